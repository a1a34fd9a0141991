// The node's Redis connections: ioredis clients (standalone, Cluster or Sentinel) tuned so that
// commands never pile up while Redis is gone: no offline queue, no resend after a reconnect, fast
// bounded reconnects. Two clients: `checks` carries only check scripts (auto-pipelined: concurrent
// checks share one write), `control` everything else (registry, admin, lists), so a slow SCAN
// never sits in front of a check.
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { isIP } from "node:net";
import { createBunScriptClient, type BunScriptClient } from "./bun-redis.ts";
import { redactRedisUrl, type RedisTarget } from "./redis-url.ts";

/** What runs the check scripts: ioredis, or Bun's RedisClient for a plain standalone Redis. */
export type CheckClient = Redis | Cluster | BunScriptClient;

export interface RedisConnection {
  readonly checks: CheckClient;
  readonly control: Redis | Cluster;
  readonly target: RedisTarget;
  /** The URL with its password redacted. */
  readonly safeUrl: string;
  /** Both clients connected. */
  isReady(): boolean;
  /** Resolves true once both are connected, false after `timeoutMs` (the node then starts in fallback). */
  waitReady(timeoutMs: number): Promise<boolean>;
  /** One client per master: SCAN must visit every master of a Redis Cluster. */
  masters(): Redis[];
  /**
   * A script that returns at once, on every master, over the control client: it answers unless
   * Redis itself is paused (CLIENT PAUSE WRITE included: it holds scripts), gone or behind a slow
   * link, whatever backlog the check client has. The gate asks it before blaming Redis.
   */
  confirm(): Promise<unknown>;
  close(timeoutMs: number): Promise<void>;
}

const CONFIRM_SCRIPT = "return 1";
const reconnectDelayMs = (attempt: number) => Math.min(50 * attempt, 500);

function createClient(target: RedisTarget, autoPipelining: boolean): Redis | Cluster {
  const common: RedisOptions = {
    enableAutoPipelining: autoPipelining,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 1_000,
    retryStrategy: reconnectDelayMs,
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
  };
  if (target.kind === "cluster") {
    return new Cluster(target.nodes, {
      enableAutoPipelining: autoPipelining,
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelayMs,
      slotsRefreshTimeout: 1_000,
      maxRedirections: 16,
      retryDelayOnFailover: 50,
      retryDelayOnClusterDown: 50,
      redisOptions: { ...common, ...(target.tls ? { tls: {} } : {}) },
    });
  }
  if (target.kind === "sentinel") {
    return new Redis({
      ...common,
      sentinels: target.sentinels,
      name: target.masterName,
      db: target.db,
      sentinelRetryStrategy: reconnectDelayMs,
      sentinelCommandTimeout: 1_000,
      ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    });
  }
  // SNI takes a host name only: an IP address as servername is refused by the TLS layer.
  const tls = isIP(target.host) ? {} : { servername: target.host };
  return new Redis({ ...common, host: target.host, port: target.port, db: target.db, ...(target.tls ? { tls } : {}) });
}

function waitReady(client: CheckClient, timeoutMs: number): Promise<boolean> {
  if (client.status === "ready") return Promise.resolve(true);
  const { promise, resolve } = Promise.withResolvers<boolean>();
  const timer = setTimeout(() => resolve(false), timeoutMs);
  client.once("ready", () => {
    clearTimeout(timer);
    resolve(true);
  });
  return promise;
}

async function close(client: CheckClient, timeoutMs: number): Promise<void> {
  await Promise.race([client.quit().catch(() => {}), Bun.sleep(timeoutMs)]);
  client.disconnect();
}

export function connectRedis(url: string, target: RedisTarget, onError: (error: Error) => void): RedisConnection {
  // A plain standalone Redis: Bun's client (cheaper per check). TLS, Cluster, Sentinel: ioredis.
  let checks: CheckClient;
  if (target.kind === "standalone" && !target.tls) checks = createBunScriptClient(target, onError);
  else (checks = createClient(target, true)).on("error", onError);
  // Not auto-pipelined: ioredis runs one pipeline at a time, and a probe must not wait behind one.
  const control = createClient(target, false);
  const masters = () => (control instanceof Cluster ? control.nodes("master") : [control]);
  control.on("error", onError);
  return {
    checks,
    control,
    target,
    safeUrl: redactRedisUrl(url),
    isReady: () => checks.status === "ready" && control.status === "ready",
    waitReady: async (timeoutMs) => (await Promise.all([waitReady(checks, timeoutMs), waitReady(control, timeoutMs)])).every(Boolean),
    masters,
    confirm: () => Promise.all(masters().map((client) => client.eval(CONFIRM_SCRIPT, 0))),
    close: async (timeoutMs) => void (await Promise.all([close(checks, timeoutMs), close(control, timeoutMs)])),
  };
}
