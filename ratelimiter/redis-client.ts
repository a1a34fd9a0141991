// The node's Redis connection: one ioredis client (standalone, Cluster or Sentinel) tuned so that
// commands never pile up while Redis is gone: no offline queue, no resend after a reconnect, fast
// bounded reconnects. Auto-pipelining batches concurrent checks into one write.
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { isIP } from "node:net";
import { redactRedisUrl, type RedisTarget } from "./redis-url.ts";

export interface RedisConnection {
  readonly client: Redis | Cluster;
  readonly target: RedisTarget;
  /** The URL with its password redacted. */
  readonly safeUrl: string;
  isReady(): boolean;
  /** Resolves true once connected, false after `timeoutMs` (the node then starts in fallback). */
  waitReady(timeoutMs: number): Promise<boolean>;
  /** One client per master: SCAN must visit every master of a Redis Cluster. */
  masters(): Redis[];
  close(timeoutMs: number): Promise<void>;
}

const reconnectDelayMs = (attempt: number) => Math.min(50 * attempt, 500);

export function connectRedis(url: string, target: RedisTarget, onError: (error: Error) => void): RedisConnection {
  const common: RedisOptions = {
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 1_000,
    retryStrategy: reconnectDelayMs,
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
  };
  let client: Redis | Cluster;
  if (target.kind === "cluster") {
    client = new Cluster(target.nodes, {
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelayMs,
      slotsRefreshTimeout: 1_000,
      maxRedirections: 16,
      retryDelayOnFailover: 50,
      retryDelayOnClusterDown: 50,
      redisOptions: { ...common, ...(target.tls ? { tls: {} } : {}) },
    });
  } else if (target.kind === "sentinel") {
    client = new Redis({
      ...common,
      sentinels: target.sentinels,
      name: target.masterName,
      db: target.db,
      sentinelRetryStrategy: reconnectDelayMs,
      sentinelCommandTimeout: 1_000,
      ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    });
  } else {
    // SNI takes a host name only: an IP address as servername is refused by the TLS layer.
    const tls = isIP(target.host) ? {} : { servername: target.host };
    client = new Redis({ ...common, host: target.host, port: target.port, db: target.db, ...(target.tls ? { tls } : {}) });
  }
  client.on("error", onError);

  return {
    client,
    target,
    safeUrl: redactRedisUrl(url),
    isReady: () => client.status === "ready",
    waitReady(timeoutMs) {
      if (client.status === "ready") return Promise.resolve(true);
      const { promise, resolve } = Promise.withResolvers<boolean>();
      const timer = setTimeout(() => resolve(false), timeoutMs);
      client.once("ready", () => {
        clearTimeout(timer);
        resolve(true);
      });
      return promise;
    },
    masters: () => (client instanceof Cluster ? client.nodes("master") : [client]),
    async close(timeoutMs) {
      const quit = client.quit().catch(() => {});
      const timer = Bun.sleep(timeoutMs);
      await Promise.race([quit, timer]);
      client.disconnect();
    },
  };
}
