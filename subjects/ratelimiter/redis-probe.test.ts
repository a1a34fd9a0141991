// The Redis probe against a private redis-server: what it sees when Redis is fine, full, paused or dead.
import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { startRedisCluster } from "../../test/fixtures/redis-cluster.ts";
import { startRedis, type RedisServer } from "../../test/fixtures/redis.ts";
import { createRedisProbe, type RedisProbe } from "./redis-probe.ts";

// Real servers on a shared 2-core machine: bun's 5 s default is too tight (bunfig's [test] timeout is not applied).
setDefaultTimeout(60_000);

const limits = { timeoutMs: 300, scanCalls: 4, scanCount: 250, sampleSize: 200 };
const signal = () => new AbortController().signal;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(extraArgs: string[] = []): Promise<{ redis: RedisServer; probe: RedisProbe }> {
  const redis = await startRedis(extraArgs);
  const probe = createRedisProbe(redis.url, limits);
  cleanup.push(() => redis.stop(), () => probe.close());
  return { redis, probe };
}

describe("redis probe", () => {
  test("a healthy Redis: reachable, latency, memory, sampled counters with TTLs, blocks and registered nodes", async () => {
    const { redis, probe } = await setup();
    await redis.cli("SET", "ratelimit:{user:1}:fw", "3", "PX", "60000");
    await redis.cli("SET", "ratelimit:{user:2}:fw", "9");
    await redis.cli("HSET", "ratelimit:{user:2}:limit", "limit", "5", "window_ms", "1000");
    await redis.cli("SET", "ratelimit:{user:3}:block", "abuse", "PX", "60000");
    await redis.cli("ZADD", "ratelimit:nodes:{registry}", "1", "a");
    await redis.cli("HSET", "ratelimit:node:{registry}:a", "url", "http://127.0.0.1:9001");
    const seen = await probe.observe(["user:1", "user:3"], [], signal());
    expect(seen.reachable).toBe(true);
    expect(seen.latencyMs).toBeGreaterThan(0);
    expect(seen.memory).toMatchObject({ maxBytes: 0, policy: "noeviction", evictedKeysDelta: 0, oomRejectionsDelta: 0 });
    expect(seen.counters.map((c) => [c.key, c.algorithm, c.ttlMs > 0 ? "ttl" : c.ttlMs, c.override ?? null]).sort()).toEqual([
      ["user:1", "fixed-window", "ttl", null],
      ["user:2", "fixed-window", -1, { limit: 5, windowMs: 1000 }],
    ]);
    expect(seen.blockedKeys).toEqual(["user:3"]);
    expect(seen.registered).toEqual([{ id: "a", url: "http://127.0.0.1:9001" }]);
    expect(seen.url).toBe(redis.url);
  });

  test("a password in the URL never shows", async () => {
    const redis = await startRedis(["--requirepass", "s3cret"]);
    cleanup.push(() => redis.stop());
    const probe = createRedisProbe(`redis://:s3cret@127.0.0.1:${redis.port}`, limits);
    cleanup.push(() => probe.close());
    const seen = await probe.observe([], [], signal());
    expect(seen.reachable).toBe(true);
    expect(JSON.stringify(seen)).not.toContain("s3cret");
    const wrong = createRedisProbe(`redis://:wrong-pass@127.0.0.1:${redis.port}`, limits);
    cleanup.push(() => wrong.close());
    const refused = await wrong.observe([], [], signal());
    expect(refused.reachable).toBe(false);
    expect(JSON.stringify(refused)).not.toContain("wrong-pass");
  });

  test("a paused Redis is silent (no_reply), a dead one refuses (refused), and it is seen again once back", async () => {
    const { redis, probe } = await setup();
    expect((await probe.observe([], [], signal())).reachable).toBe(true);
    process.kill(redis.pid, "SIGSTOP");
    try {
      expect((await probe.observe([], [], signal())).failure?.kind).toBe("no_reply");
      expect((await probe.observe([], [], signal())).failure?.kind).toBe("no_reply");
    } finally {
      process.kill(redis.pid, "SIGCONT");
    }
    expect((await probe.observe([], [], signal())).reachable).toBe(true);
    await redis.stop();
    const kinds = [(await probe.observe([], [], signal())).failure?.kind, (await probe.observe([], [], signal())).failure?.kind];
    expect(kinds.at(-1)).toBe("refused");
  });

  test("a Redis paused for writes answers reads: the canary write says so; back once unpaused", async () => {
    const { redis, probe } = await setup();
    expect((await probe.observe([], [], signal())).writes).toEqual({ ok: true });
    await redis.cli("CLIENT", "PAUSE", "3000", "WRITE");
    const paused = await probe.observe([], [], signal());
    expect([paused.reachable, paused.writes]).toEqual([true, { ok: false, kind: "no_reply", message: "answers reads but a write did not complete within 300 ms (paused for writes, or blocked)" }]);
    await redis.cli("CLIENT", "UNPAUSE");
    expect((await probe.observe([], [], signal())).writes).toEqual({ ok: true });
  });

  test("evictions and OOM refusals since the last cycle are counted", async () => {
    const { redis, probe } = await setup(["--maxmemory", "2mb", "--maxmemory-policy", "noeviction"]);
    await probe.observe([], [], signal());
    const big = "x".repeat(100_000);
    for (let i = 0; i < 40; i++) await redis.cli("SET", `filler:${i}`, big);
    const seen = await probe.observe([], [], signal());
    expect(seen.memory!.oomRejectionsDelta).toBeGreaterThan(0);
    expect(seen.memory!.usedBytes / seen.memory!.maxBytes).toBeGreaterThan(0.9);
    await redis.cli("CONFIG", "SET", "maxmemory", "1");
    expect((await probe.observe([], [], signal())).writes).toMatchObject({ ok: false, kind: "oom" });
  });

  test("the SCAN sample is bounded and walks the keyspace across cycles", async () => {
    const { redis, probe } = await setup();
    const script = "for i=1,5000 do redis.call('SET', 'ratelimit:{k' .. i .. '}:fw', '1') end return 1";
    await redis.cli("EVAL", script, "0");
    const first = await probe.observe([], [], signal());
    const second = await probe.observe([], [], signal());
    expect(first.counters.length).toBe(200);
    expect(first.scanned).toBeLessThanOrEqual(1_000);
    expect(new Set([...first.counters, ...second.counters].map((c) => c.key)).size).toBeGreaterThan(200);
  });

  test("keys to recheck are read every cycle, whatever the sample holds", async () => {
    const { redis, probe } = await setup();
    await redis.cli("EVAL", "for i=1,3000 do redis.call('SET', 'ratelimit:{k' .. i .. '}:fw', '1', 'PX', 60000) end return 1", "0");
    await redis.cli("SET", "ratelimit:{stuck}:fw", "9");
    for (let cycle = 0; cycle < 3; cycle++) {
      const seen = await probe.observe([], ["ratelimit:{stuck}:fw"], signal());
      expect(seen.counters.find((c) => c.key === "stuck")).toEqual({ redisKey: "ratelimit:{stuck}:fw", key: "stuck", algorithm: "fixed-window", ttlMs: -1 });
    }
  });

  test("a Redis Cluster: every master is sampled and its memory read, a key is rechecked on its own shard", async () => {
    const cluster = await startRedisCluster(3);
    cleanup.push(() => cluster.stop());
    for (let i = 1; i <= 30; i++) await cluster.servers[0]!.cli("-c", "SET", `ratelimit:{c${i}}:fw`, "1", "PX", "60000");
    await cluster.servers[0]!.cli("-c", "SET", "ratelimit:{stuck}:fw", "5");
    const probe = createRedisProbe(cluster.url, { ...limits, timeoutMs: 1_000 });
    cleanup.push(() => probe.close());
    const seen = await probe.observe([], ["ratelimit:{stuck}:fw"], signal());
    expect(seen.reachable).toBe(true);
    expect([31, 32]).toContain(seen.keyCount!); // and the operator's canary key, written in the same cycle
    expect(new Set(seen.counters.map((c) => c.key)).size).toBe(31);
    expect(seen.counters.find((c) => c.key === "stuck")?.ttlMs).toBe(-1);
  });
});
