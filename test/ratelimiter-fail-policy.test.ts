// Fail policies against the test's own Redis, paused (CLIENT PAUSE) and killed: each policy's
// decisions, the node's mode everywhere it is shown, no request waiting much past the timeout,
// and the return to Redis by itself.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { FailPolicy } from "../ratelimiter/options.ts";
import { check, startTestNodes } from "./fixtures/node.ts";
import { startRedis } from "./fixtures/redis.ts";

// Real servers on a shared, often loaded machine: a generous budget per test (make test passes the same).
setDefaultTimeout(60_000);

// Generous for a shared 2-core machine under a parallel suite: a 50 ms budget times out healthy Redis calls there.
const TIMEOUT_MS = 250;
const MODE = { open: "fail-open", closed: "fail-closed", local: "local" } as const;
const CHECKS = 20;
// What 20 checks on one key decide without Redis, limit 6 shared by 2 nodes (local: a share of 3).
const EXPECTED_ADMITTED = { open: CHECKS, closed: 0, local: 3 } as const;

async function timedChecks(url: string, key: string, count: number) {
  const results = [];
  for (let i = 0; i < count; i++) {
    const sentAt = performance.now();
    const result = await check(url, key);
    results.push({ ...result, tookMs: performance.now() - sentAt });
  }
  return results;
}

async function nodeInfo(url: string) {
  return (await (await fetch(`${url}/api/v1/node`)).json()) as Record<string, any>;
}

async function waitForMode(url: string, mode: string, deadlineMs = 8_000): Promise<Record<string, any>> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const info = await nodeInfo(url);
    if (info.mode === mode || Date.now() > deadline) return info;
    await Bun.sleep(50);
  }
}

const redisCalls = async (url: string) =>
  Number(/^ratelimiter_redis_command_duration_seconds_count (\d+)$/m.exec(await (await fetch(`${url}/metrics`)).text())![1]);

async function expectFallback(url: string, policy: FailPolicy, key: string) {
  const callsBefore = await redisCalls(url);
  const results = await timedChecks(url, key, CHECKS);
  // The breaker: after a few failures, checks stop going to Redis (only the odd probe does).
  expect((await redisCalls(url)) - callsBefore).toBeLessThan(CHECKS / 2);
  for (const r of results) {
    expect(r.body.mode).toBe(MODE[policy]);
    expect(r.tookMs).toBeLessThan(TIMEOUT_MS + 1_000);
  }
  expect(results.filter((r) => r.status === 200).length).toBe(EXPECTED_ADMITTED[policy]);
  expect(await nodeInfo(url)).toMatchObject({ mode: MODE[policy], redis: { connected: false } });
  const health = await fetch(`${url}/health`);
  expect(health.status).toBe(503);
  expect(await health.json()).toMatchObject({ status: "unavailable", reason: "redis_unreachable", mode: MODE[policy] });
  const metrics = await (await fetch(`${url}/metrics`)).text();
  expect(metrics).toContain(`ratelimiter_mode{mode="${MODE[policy]}"} 1`);
  expect(metrics).toContain("ratelimiter_redis_connected 0");
  expect(metrics).toMatch(new RegExp(`^ratelimiter_fallback_decisions_total\\{policy="${policy}"\\} [1-9]`, "m"));
}

describe.each(["open", "closed", "local"] as const)("fail policy %s", (policy) => {
  test("Redis paused, then killed: decides by policy without waiting, says so, and returns to Redis by itself", async () => {
    const redis = await startRedis();
    const options = { redisUrl: redis.url, failPolicy: policy, redisTimeoutMs: TIMEOUT_MS, defaultLimit: 6, heartbeatMs: 100, probeIntervalMs: 500 };
    await using nodes = await startTestNodes(2, options);
    const url = nodes[0]!.url;
    expect((await waitForMode(url, "redis")).mode).toBe("redis");
    const deadline = Date.now() + 3_000;
    while ((await nodeInfo(url)).registered_nodes !== 2 && Date.now() < deadline) await Bun.sleep(20);

    // Paused: commands hang, the timeout decides, then the breaker stops waiting altogether.
    await redis.cli("CLIENT", "PAUSE", "1500", "ALL");
    await expectFallback(url, policy, "paused");
    if (policy === "local") {
      expect(await (await fetch(`${url}/api/v1/counters/paused`)).json()).toMatchObject({ key: "paused", count: 3, limit: 3, source: "local" });
    }
    expect((await waitForMode(url, "redis")).mode).toBe("redis");
    expect((await check(url, "after-pause")).body).toMatchObject({ allowed: true, mode: "redis" });

    // Killed: connections refused; then a new server on the same port.
    await redis.stop();
    await expectFallback(url, policy, "killed");
    await using restarted = await startRedis([], { port: redis.port });
    expect((await waitForMode(url, "redis")).mode).toBe("redis");
    expect((await check(url, "after-restart")).body).toMatchObject({ allowed: true, mode: "redis", remaining: 5 });
    expect(await restarted.cli("EXISTS", "ratelimit:{after-restart}:sl")).toBe("1");
  });
});
