// Short-lived admin connections to one redis-server of the local cluster: probes and the few
// commands that chaos and the deployment need. Never retries: a fault must be seen as it is.
import { Redis } from "ioredis";

export async function withRedis<T>(port: number, run: (redis: Redis) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
  const redis = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    connectTimeout: options.timeoutMs ?? 2000,
    commandTimeout: options.timeoutMs ?? 2000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}

/** True when the server answers PING within `timeoutMs` (a paused or dead server does not). */
export async function redisAnswers(port: number, timeoutMs = 1000): Promise<boolean> {
  try {
    return (await withRedis(port, (r) => r.ping(), { timeoutMs })) === "PONG";
  } catch {
    return false;
  }
}

/** True when a write succeeds within `timeoutMs` (it fails under CLIENT PAUSE WRITE or maxmemory). */
export async function redisAcceptsWrites(port: number, probeKey: string, timeoutMs = 1000): Promise<boolean> {
  try {
    return (await withRedis(port, (r) => r.set(probeKey, "1", "PX", 1000), { timeoutMs })) === "OK";
  } catch {
    return false;
  }
}

/**
 * A key this server itself holds: any key on a single server; on a Redis Cluster master, one whose
 * slot it serves (else a write would only be redirected), found with CLUSTER KEYSLOT.
 */
export async function probeKeyOn(port: number, clustered: boolean): Promise<string> {
  const base = "operator:chaos:probe";
  if (!clustered) return base;
  return withRedis(port, async (r) => {
    const slots = (await r.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
    const mine = slots.filter((s) => Number(s[2][1]) === port);
    for (let i = 0; i < 1000; i++) {
      const key = `${base}:${i}`;
      const slot = Number(await r.call("CLUSTER", "KEYSLOT", key));
      if (mine.some(([from, to]) => slot >= from && slot <= to)) return key;
    }
    return base;
  });
}
