// Connecting the operator's own Redis client for observation: the URL forms of DESIGN.md
// (redis://, rediss://, redis+sentinel://, redis+cluster://), redacted wherever they are shown.
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { usageError } from "../../lib/errors.ts";

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

/**
 * A client that never queues or retries on its own: each cycle sees the server as it is now, and
 * a refused connection, a silent server and a slow one stay distinguishable.
 */
export function createRedisHandle(url: string, timeoutMs: number): RedisHandle {
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
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError("invalid_redis_url", `--redis-url "${redactUrl(url)}" is not a URL: use redis://host:port (env OPERATOR_REDIS_URL)`);
  }
  const auth = { ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}), ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}) };
  switch (parsed.protocol) {
    case "redis:":
    case "rediss:":
      return new Redis(url, base);
    case "redis+sentinel:": {
      const [list, master] = url.replace(/^redis\+sentinel:\/\/([^@]*@)?/, "").split("/");
      if (!master) throw usageError("invalid_redis_url", `--redis-url "${redactUrl(url)}" names no master: use redis+sentinel://host:port/<master>`);
      return new Redis({ ...base, ...auth, sentinels: hostPorts(list!), name: master, sentinelRetryStrategy: () => null });
    }
    case "redis+cluster:": {
      const list = url.replace(/^redis\+cluster:\/\/([^@]*@)?/, "").replace(/\/.*$/, "");
      return new Cluster(hostPorts(list), { lazyConnect: true, enableOfflineQueue: false, enableAutoPipelining: true, clusterRetryStrategy: () => null, redisOptions: { ...base, ...auth } });
    }
    default:
      throw usageError("invalid_redis_url", `--redis-url "${redactUrl(url)}" has an unknown scheme: use redis://, rediss://, redis+sentinel:// or redis+cluster:// (env OPERATOR_REDIS_URL)`);
  }
}

/** The servers that hold data: the one server, or every master of a cluster. */
export function dataNodes(handle: RedisHandle): Redis[] {
  return handle instanceof Cluster ? handle.nodes("master") : [handle];
}
