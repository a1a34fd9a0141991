// The limit holds when traffic spikes, on the node's default flags (50 ms Redis timeout, fail-open):
// 3 real `ratelimiter serve` processes per algorithm on one real redis-server, 1,000 concurrent
// checks on one key round robin over them, limit 100: exactly 100 admitted, every answer decided by
// Redis, and every check accounted for (allowed + denied + shed == sent); the same while wrk floods
// one node with checks on other keys, and right after a wrk run.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { ALGORITHMS } from "../ratelimiter/options.ts";
import { burst, check, flood, spawnServe, startTestNode, type BurstTally, type ServeProcess } from "./fixtures/node.ts";
import { startRedis, type RedisServer } from "./fixtures/redis.ts";

// Real servers and wrk: the runner's budget per test, not a product setting.
setDefaultTimeout(60_000);

const LIMIT = 100;
const BURST = 1_000; // 10x the limit: the spike a rate limiter exists for
let redis: RedisServer;
const nodes = new Map<string, ServeProcess[]>();
const urlsOf = (algorithm: string) => nodes.get(algorithm)!.map((n) => JSON.parse(n.startLine).url as string);

beforeAll(async () => {
  redis = await startRedis();
  for (const algorithm of ALGORITHMS) {
    // Only the limit, the window and the algorithm are set: every other flag is the default.
    const serve = (i: number) => spawnServe(["--json", "--port", "0", "--redis-url", redis.url, "--node-id", `${algorithm}-${i}`, "--algorithm", algorithm, "--default-limit", String(LIMIT), "--window", "1d"]);
    nodes.set(algorithm, await Promise.all([1, 2, 3].map(serve)));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([...nodes.values()].flat().map((n) => n.stop()));
  await redis.stop();
}, 60_000);

/** Exactly the limit admitted, each check answered once, and Redis decided every answered one. */
function expectExact(tally: BurstTally) {
  expect(tally.other).toEqual([]);
  expect(tally.allowed + tally.denied + tally.shed).toBe(tally.sent);
  expect(tally.allowed).toBe(LIMIT);
  expect(tally.modes).toEqual({ redis: tally.allowed + tally.denied });
}

const fallbackDecisions = async (url: string) =>
  [...(await (await fetch(`${url}/metrics`)).text()).matchAll(/^ratelimiter_fallback_decisions_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);

for (const algorithm of ALGORITHMS) {
  describe(algorithm, () => {
    test("1,000 concurrent checks over 3 nodes admit exactly 100; the default in-flight bound sheds none", async () => {
      const tally = await burst(urlsOf(algorithm), `spike-${algorithm}`, BURST);
      expectExact(tally);
      expect(tally.shed).toBe(0);
    });

    test("the same burst while wrk -c256 saturates node a with checks on other keys: still exactly 100, none decided by the fail policy", async () => {
      const urls = urlsOf(algorithm);
      const load = flood(urls[0]!, { connections: 256, seconds: 4 });
      try {
        await Bun.sleep(1_000); // node a is saturated before the spike arrives
        expectExact(await burst(urls, `spike-loaded-${algorithm}`, BURST));
      } finally {
        await load.stop();
      }
      for (const url of urls) expect(await fallbackDecisions(url)).toBe(0);
    });
  });
}

test("right after a wrk -c64 run on node a, a burst on a fresh key admits exactly 100", async () => {
  const urls = urlsOf("gcra");
  const load = flood(urls[0]!, { connections: 64, seconds: 3 });
  const summary = await load.done;
  expect(summary?.requests).toBeGreaterThan(0);
  const tally = await burst(urls, "after-wrk", BURST);
  expectExact(tally);
  expect(tally.shed).toBe(0);
  expect(await fallbackDecisions(urls[0]!)).toBe(0);
  // The default in-flight bound sheds nothing of 64 connections at saturation.
  const info = await (await fetch(`${urls[0]}/api/v1/node`)).json();
  expect(info).toMatchObject({ decisions: { shed: 0 }, max_in_flight: 1_000 });
});

test("3x the burst (3,000 checks at once over 3 nodes): still exactly 100 admitted, every check accounted for, shed or decided by Redis", async () => {
  expectExact(await burst(urlsOf("sliding-log"), "spike-3x", 3 * BURST));
});

describe("past the in-flight bound", () => {
  test("a node bounded to 8 in flight sheds the rest of 300 concurrent checks with 503 overloaded and Retry-After; shed checks admit and charge nothing", async () => {
    // maxInFlight 8: a small bound, so that a 300-check burst (37x it) must shed.
    await using node = await startTestNode({ redisUrl: redis.url, defaultLimit: 5, windowMs: 86_400_000, maxInFlight: 8 });
    const tally = await burst([node.url], "bounded", 300);
    expect(tally.other).toEqual([]);
    expect(tally.shed).toBeGreaterThan(0);
    expect(tally.allowed + tally.denied + tally.shed).toBe(300);
    expect(tally.allowed).toBe(5);
    // What Redis counted is what was admitted: shed checks were never charged.
    expect(await redis.cli("ZCARD", "ratelimit:{bounded}:sl")).toBe("5");
    const info = await (await fetch(`${node.url}/api/v1/node`)).json();
    expect(info).toMatchObject({ decisions: { shed: tally.shed, fallback: 0 }, in_flight: 0, max_in_flight: 8 });
    expect(await (await fetch(`${node.url}/metrics`)).text()).toMatch(new RegExp(`^ratelimiter_shed_total ${tally.shed}$`, "m"));

    // The error shape of every 4xx/5xx, and when to come back.
    expect(tally.shedSample).toEqual({ body: { error: "overloaded", message: expect.stringContaining("--max-in-flight") }, retryAfter: "1" });
    expect((await check(node.url, "after")).status).toBe(200);
  });
});
