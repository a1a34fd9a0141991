// The node on a real 3-master Redis Cluster (every algorithm stays exact; lists span every master)
// and behind a real Sentinel (including a failover to the replica).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { ALGORITHMS } from "../ratelimiter/options.ts";
import { check, spawnServe, startTestNode, startTestNodes, type TestNode } from "./fixtures/node.ts";
import { startRedisCluster, type RedisCluster } from "./fixtures/redis-cluster.ts";
import { startTlsRedis } from "./fixtures/redis-tls.ts";
import { startSentinel } from "./fixtures/sentinel.ts";

// Real servers on a shared, often loaded machine: a generous budget per test (make test passes the same).
setDefaultTimeout(60_000);

const DAY_MS = 86_400_000;

describe("Redis Cluster (3 masters)", () => {
  let cluster: RedisCluster;
  const nodesByAlgorithm = new Map<string, TestNode[]>();
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    for (const algorithm of ALGORITHMS) {
      nodesByAlgorithm.set(
        algorithm,
        // Default flags but the limit, window and algorithm: a busy node still leaves every check to Redis.
        await startTestNodes(3, { redisUrl: cluster.url, algorithm, defaultLimit: 100, windowMs: DAY_MS, adminToken: "t" }, algorithm),
      );
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all([...nodesByAlgorithm.values()].flat().map((n) => n.stop()));
    await cluster.stop();
  }, 60_000);

  test.each(ALGORITHMS)("%s: 1,000 concurrent checks over 3 nodes admit exactly 100; cost 7 admits 14", async (algorithm) => {
    const urls = nodesByAlgorithm.get(algorithm)!.map((n) => n.url);
    const run = async (key: string, checks: number, cost?: number) => {
      const results = await Promise.all(Array.from({ length: checks }, (_, i) => check(urls[i % 3]!, key, cost)));
      expect(results.every((r) => r.body.mode === "redis")).toBe(true);
      return results.filter((r) => r.status === 200).length;
    };
    expect(await run(`cluster-${algorithm}`, 1_000)).toBe(100);
    expect(await run(`cluster-cost-${algorithm}`, 100, 7)).toBe(14);
  });

  test("overrides apply on every node; counters are listed from every master; nodes are registered", async () => {
    const [a, b, c] = nodesByAlgorithm.get("gcra")!.map((n) => n.url) as [string, string, string];
    const put = await fetch(`${a}/api/v1/limits/tenant-9`, {
      method: "PUT",
      headers: { Authorization: "Bearer t" },
      body: JSON.stringify({ limit: 2, window_ms: 60_000, algorithm: "sliding-log" }),
    });
    expect(put.status).toBe(200);
    expect((await check(b, "tenant-9")).body).toMatchObject({ allowed: true, limit: 2, algorithm: "sliding-log" });
    expect((await check(c, "tenant-9")).body).toMatchObject({ allowed: true, remaining: 0 });
    expect((await check(a, "tenant-9")).status).toBe(429);

    // Enough keys that every master holds some (slots are spread by the hash tag).
    const keys = Array.from({ length: 30 }, (_, i) => `spread-${i}`);
    await Promise.all(keys.map((key) => check(b, key)));
    const listed = (await (await fetch(`${c}/api/v1/counters?prefix=spread-&count=1000`)).json()) as { key: string; count: number }[];
    expect(listed.map((entry) => entry.key).sort()).toEqual([...keys].sort());
    const perMaster = await Promise.all(cluster.servers.map((s) => s.cli("DBSIZE")));
    expect(perMaster.every((size) => Number(size) > 0)).toBe(true);

    const registered = (await (await fetch(`${a}/api/v1/nodes`)).json()) as { node_id: string }[];
    expect(registered.map((n) => n.node_id).sort()).toEqual(ALGORITHMS.flatMap((algorithm) => [1, 2, 3].map((i) => `${algorithm}-${i}`)).sort());
  });
});

describe("Redis Sentinel", () => {
  test("the node finds the master through Sentinel and follows a failover to the replica", async () => {
    await using sentinel = await startSentinel({ replica: true, downAfterMs: 500 });
    await using node = await startTestNode({ redisUrl: sentinel.url, algorithm: "fixed-window", probeIntervalMs: 100 });
    expect((await check(node.url, "s")).body).toMatchObject({ allowed: true, remaining: 9, mode: "redis" });
    expect(await sentinel.master.cli("GET", "ratelimit:{s}:fw")).toBe("1");

    // The replica must have the counter before the master goes, or the failover loses it.
    const deadline = Date.now() + 5_000;
    while ((await sentinel.replica!.cli("GET", "ratelimit:{s}:fw")) !== "1" && Date.now() < deadline) await Bun.sleep(20);
    await sentinel.master.stop();
    const newMaster = `127.0.0.1:${sentinel.replica!.port}`;
    const failoverDeadline = Date.now() + 20_000;
    while ((await sentinel.currentMaster()) !== newMaster && Date.now() < failoverDeadline) await Bun.sleep(100);
    expect(await sentinel.currentMaster()).toBe(newMaster);

    let result = await check(node.url, "s");
    while (result.body.mode !== "redis" && Date.now() < failoverDeadline) {
      await Bun.sleep(100);
      result = await check(node.url, "s");
    }
    expect(result.body).toMatchObject({ allowed: true, mode: "redis" });
    expect(Number(await sentinel.replica!.cli("GET", "ratelimit:{s}:fw"))).toBeGreaterThanOrEqual(2);
  }, 30_000);
});

describe("TLS (rediss://)", () => {
  test("the node talks to a TLS-only Redis whose CA it trusts", async () => {
    await using redis = await startTlsRedis();
    await using serve = await spawnServe(["--port", "0", "--json", "--redis-url", redis.url, "--algorithm", "gcra"], { env: { NODE_EXTRA_CA_CERTS: redis.caFile } });
    const { url } = JSON.parse(serve.startLine);
    expect((await check(url, "over-tls")).body).toMatchObject({ allowed: true, mode: "redis" });
    expect(await redis.server.cli("EXISTS", "ratelimit:{over-tls}:gcra")).toBe("1");
    expect(await serve.stop()).toBe(0);
  });
});
