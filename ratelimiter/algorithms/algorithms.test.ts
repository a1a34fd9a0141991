// The four algorithms through real nodes sharing one real Redis: exact under concurrency, weighted
// cost, denied checks charge nothing, and retry hints that hold.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { check, startTestNodes, type TestNode } from "../../test/fixtures/node.ts";
import { startRedis, type RedisServer } from "../../test/fixtures/redis.ts";
import { ALGORITHMS } from "../options.ts";

// Real servers on a shared, often loaded machine: a generous budget per test (make test passes the same).
setDefaultTimeout(60_000);

const DAY_MS = 86_400_000; // nothing refills during a test, and window edges are a day apart

let redis: RedisServer;
const nodesByAlgorithm = new Map<string, TestNode[]>();

beforeAll(async () => {
  redis = await startRedis();
  for (const algorithm of ALGORITHMS) {
    // Default flags but the limit, window and algorithm: a busy node must still leave every check to Redis.
    nodesByAlgorithm.set(algorithm, await startTestNodes(3, { redisUrl: redis.url, algorithm, defaultLimit: 100, windowMs: DAY_MS }));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([...nodesByAlgorithm.values()].flat().map((n) => n.stop()));
  await redis.stop();
}, 60_000);

const urls = (algorithm: string) => nodesByAlgorithm.get(algorithm)!.map((n) => n.url);

async function admittedOf(algorithm: string, key: string, checks: number, cost?: number): Promise<number> {
  const targets = urls(algorithm);
  const results = await Promise.all(Array.from({ length: checks }, (_, i) => check(targets[i % targets.length]!, key, cost)));
  for (const r of results) {
    expect([200, 429]).toContain(r.status);
    expect(r.body.mode).toBe("redis");
  }
  return results.filter((r) => r.status === 200).length;
}

for (const algorithm of ALGORITHMS) {
  describe(algorithm, () => {
    test("1,000 concurrent checks over 3 nodes admit exactly the limit of 100", async () => {
      const key = `exact-${algorithm}`;
      expect(await admittedOf(algorithm, key, 1_000)).toBe(100);
      const counter = await (await fetch(`${urls(algorithm)[1]}/api/v1/counters/${key}`)).json();
      expect(counter).toEqual({ key, count: 100, limit: 100, window_ms: DAY_MS, ttl_ms: expect.any(Number), algorithm, source: "redis" });
    });

    test("cost 7 against a limit of 100 admits exactly 14 times", async () => {
      expect(await admittedOf(algorithm, `cost-${algorithm}`, 100, 7)).toBe(14);
    });

    test("a denied check charges nothing: a smaller cost still fits afterwards", async () => {
      const [url] = urls(algorithm);
      const key = `charge-${algorithm}`;
      expect((await check(url!, key, 95)).status).toBe(200);
      const denied = await check(url!, key, 6);
      expect(denied.status).toBe(429);
      expect(denied.body).toMatchObject({ allowed: false, remaining: 5 });
      expect((await check(url!, key, 5)).body).toMatchObject({ allowed: true, remaining: 0 });
    });

    test("a cost above the limit is denied with retry_after_ms -1, not an error", async () => {
      const result = await check(urls(algorithm)[0]!, `huge-${algorithm}`, 101);
      expect(result.status).toBe(429);
      expect(result.body).toEqual({ allowed: false, key: `huge-${algorithm}`, limit: 100, remaining: 100, reset_ms: expect.any(Number), retry_after_ms: -1, algorithm, mode: "redis" });
    });
  });
}

describe("retry hints", () => {
  test.each(ALGORITHMS)("%s: a denied check allowed again once retry_after_ms has passed", async (algorithm) => {
    // A one-second override on this key: short enough to wait for, applied by the shared script.
    const key = `retry-${algorithm}`;
    await redis.cli("HSET", `ratelimit:{${key}}:limit`, "limit", "2", "window_ms", "1000");
    const [url] = urls(algorithm);
    await check(url!, key);
    await check(url!, key);
    const denied = await check(url!, key);
    expect(denied.status).toBe(429);
    const retryAfterMs = denied.body.retry_after_ms as number;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(2_000);
    expect(Number(denied.headers.get("retry-after"))).toBeGreaterThanOrEqual(Math.ceil(retryAfterMs / 1000));
    await Bun.sleep(retryAfterMs);
    const deadline = Date.now() + 1_000;
    let again = await check(url!, key);
    while (again.status !== 200 && Date.now() < deadline) again = await check(url!, key);
    expect(again.status).toBe(200);
  });
});
