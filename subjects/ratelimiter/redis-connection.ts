// Connecting the operator's own Redis client for observation: the URL forms of DESIGN.md
// (redis://, rediss://, redis+sentinel://, redis+cluster://), redacted wherever they are shown.
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { usageError } from "../../lib/cli/errors.ts";

export type RedisHandle = Redis | Cluster;

/** `url` with any password replaced, safe for messages, events and evidence. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)([^@/]*)@/i, (_, scheme: string, auth: string) => `${scheme}${auth.includes(":") ? `${auth.split(":")[0]}:***` : "***"}@`);
}

const hostPorts = (list: string) =>
  list.split(",").filter(Boolean).map((hp) => {
    const [host, port] = hp.split(":");
    return { host: host || "127.0.0.1", port: Number(port || 6379) };
  });

export type RedisTarget =
  | { kind: "single"; url: string }
  | { kind: "sentinel"; sentinels: { host: string; port: number }[]; master: string; auth: { username?: string; password?: string } }
  | { kind: "cluster"; seeds: { host: string; port: number }[]; auth: { username?: string; password?: string } };

const invalid = (url: string, fix: string) => usageError("invalid_redis_url", `--redis-url "${redactUrl(url)}" ${fix} (env OPERATOR_REDIS_URL)`);

/** Reads a Redis URL of DESIGN.md, or throws a usage error that says what to write. */
export function parseRedisTarget(url: string): RedisTarget {
  const match = /^([a-z+]+):\/\/(?:([^@/]*)@)?([^/?#]*)(?:\/([^?#]*))?/i.exec(url.trim());
  if (!match) throw invalid(url, "is not a URL: use redis://host:port");
  const [, scheme, userInfo, hosts, path] = match;
  const [user, pass] = (userInfo ?? "").split(":");
  const auth = { ...(user ? { username: decodeURIComponent(user) } : {}), ...(pass ? { password: decodeURIComponent(pass) } : {}) };
  const list = hostPorts(hosts ?? "");
  if (list.length === 0 || list.some((h) => !Number.isInteger(h.port) || h.port < 1 || h.port > 65_535)) throw invalid(url, "names no host:port");
  switch (scheme!.toLowerCase()) {
    case "redis":
    case "rediss":
      if (!URL.canParse(url)) throw invalid(url, "is not a URL: use redis://host:port");
      return { kind: "single", url };
    case "redis+sentinel":
      if (!path) throw invalid(url, "names no master: use redis+sentinel://host:port/<master>");
      return { kind: "sentinel", sentinels: list, master: path, auth };
    case "redis+cluster":
      return { kind: "cluster", seeds: list, auth };
    default:
      throw invalid(url, "has an unknown scheme: use redis://, rediss://, redis+sentinel:// or redis+cluster://");
  }
}

/**
 * A client that never queues or retries on its own: each cycle sees the server as it is now, and
 * a refused connection, a silent server and a slow one stay distinguishable.
 */
export function createRedisHandle(target: RedisTarget, timeoutMs: number): RedisHandle {
  const base: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    enableReadyCheck: false,
    connectionName: "operator-monitor",
    disableClientInfo: true,
    // Commands issued in one tick (a sample's PTTLs) leave in one write: one round trip, few syscalls.
    enableAutoPipelining: true,
  };
  switch (target.kind) {
    case "single":
      return new Redis(target.url, base);
    case "sentinel":
      return new Redis({ ...base, ...target.auth, sentinels: target.sentinels, name: target.master, sentinelRetryStrategy: () => null });
    case "cluster":
      return new Cluster(target.seeds, { lazyConnect: true, enableOfflineQueue: false, enableAutoPipelining: true, enableReadyCheck: true, clusterRetryStrategy: () => null, redisOptions: { ...base, ...target.auth } });
  }
}

/** The servers that hold data: the one server, or every master of a cluster. */
export function dataNodes(handle: RedisHandle): Redis[] {
  return handle instanceof Cluster ? handle.nodes("master") : [handle];
}
