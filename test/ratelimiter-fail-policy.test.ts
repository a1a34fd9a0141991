// Fail policies on the node's default 50 ms Redis timeout, against the test's own Redis: stopped
// (SIGSTOP), killed, and behind a link slowed past the timeout; on an idle node and on one that
// wrk loads with checks on other keys. Each policy's decisions, the node's mode everywhere it is
// shown, no check waiting past its bound, and the return to Redis by itself.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { startLinkProxy } from "../lib/link-proxy/proxy.ts";
import type { FailPolicy } from "../ratelimiter/options.ts";
import { check, flood, startTestNodes } from "./fixtures/node.ts";
import { startRedis } from "./fixtures/redis.ts";

// Real servers on a shared, often loaded machine: the runner's budget per test (not a product setting).
setDefaultTimeout(60_000);

const DEFAULT_TIMEOUT_MS = 50;
// The longest a check may wait once Redis stops: the timeout, plus the silence a node grants a
// working Redis before it calls it stopped (at most 1 s, see ratelimiter/redis-gate.ts), plus the
// HTTP round trip on a loaded 2-core machine (500 ms). Once the breaker opens, checks answer at once.
const MAX_WAIT_MS = DEFAULT_TIMEOUT_MS + 1_000 + 500;
const MODE = { open: "fail-open", closed: "fail-closed", local: "local" } as const;
const CHECKS = 20;
// What 20 checks on one key decide without Redis, limit 6 shared by 2 nodes (local: a share of 3).
const EXPECTED_ADMITTED = { open: CHECKS, closed: 0, local: 3 } as const;
// Link latency past the timeout (80 ms > 50 ms), as a slow cross-zone link would add.
const SLOW_LINK_MS = 80;

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

/** Checks on `key` until one is decided by the fail policy (the node noticed), at most 5 s. */
async function untilFallback(url: string, key: string, policy: FailPolicy) {
  const deadline = Date.now() + 5_000;
  while ((await check(url, key)).body.mode !== MODE[policy] && Date.now() < deadline) await Bun.sleep(20);
}

/** `slow`: Redis still answers, past the timeout (a slow link), so the node says it is connected and how slow. */
async function expectFallback(url: string, policy: FailPolicy, key: string, slow = false) {
  const results = await timedChecks(url, key, CHECKS);
  for (const r of results) {
    expect(r.body.mode).toBe(MODE[policy]);
    expect(r.tookMs).toBeLessThan(MAX_WAIT_MS);
  }
  // fail-closed never admits without Redis; local admits its share; open admits all.
  expect(results.filter((r) => r.status === 200).length).toBe(EXPECTED_ADMITTED[policy]);
  // The node's next background probe (every 500 ms) is the one that finds Redis answering late.
  let info = await nodeInfo(url);
  for (const deadline = Date.now() + 3_000; slow && !info.redis.connected && Date.now() < deadline; info = await nodeInfo(url)) await Bun.sleep(50);
  expect(info).toMatchObject({ mode: MODE[policy], redis: { connected: slow } });
  if (slow) expect(info.redis.latency_ms).toBeGreaterThanOrEqual(SLOW_LINK_MS);
  const health = await fetch(`${url}/health`);
  expect(health.status).toBe(503);
  expect(await health.json()).toMatchObject({ status: "unavailable", reason: slow ? "redis_slow" : "redis_unreachable", mode: MODE[policy] });
  const metrics = await (await fetch(`${url}/metrics`)).text();
  expect(metrics).toContain(`ratelimiter_mode{mode="${MODE[policy]}"} 1`);
  expect(metrics).toContain("ratelimiter_redis_connected 0");
  expect(metrics).toMatch(new RegExp(`^ratelimiter_fallback_decisions_total\\{policy="${policy}"\\} [1-9]`, "m"));
}

for (const loaded of [false, true]) {
  describe.each(["open", "closed", "local"] as const)(`${loaded ? "loaded by wrk -c64" : "idle"}, fail policy %s`, (policy) => {
    test("Redis stopped (SIGSTOP), then killed: the first checks wait at most the bound, the rest decide at once; back to Redis by itself", async () => {
      const redis = await startRedis();
      // heartbeatMs 100: both nodes register within the test's first second (the split of `local` needs 2).
      await using nodes = await startTestNodes(2, { redisUrl: redis.url, failPolicy: policy, defaultLimit: 6, heartbeatMs: 100 });
      const url = nodes[0]!.url;
      expect((await waitForMode(url, "redis")).mode).toBe("redis");
      const deadline = Date.now() + 3_000;
      while ((await nodeInfo(url)).registered_nodes !== 2 && Date.now() < deadline) await Bun.sleep(20);
      const load = loaded ? flood(url, { connections: 64, seconds: 30 }) : undefined;
      try {
        await Bun.sleep(loaded ? 500 : 0);
        expect((await check(url, "before")).body).toMatchObject({ allowed: true, mode: "redis" });

        // Stopped: commands hang, the node notices Redis's silence, then the breaker stops waiting altogether.
        process.kill(redis.pid, "SIGSTOP");
        try {
          await expectFallback(url, policy, "paused");
          if (policy === "local") {
            expect(await (await fetch(`${url}/api/v1/counters/paused`)).json()).toMatchObject({ key: "paused", count: 3, limit: 3, source: "local" });
          }
        } finally {
          process.kill(redis.pid, "SIGCONT");
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
      } finally {
        await load?.stop();
      }
    });
  });

  test(`${loaded ? "loaded by wrk -c64" : "idle"}: a link slowed past the timeout (80 ms) falls back; fail-closed admits nothing meanwhile; healed, back to Redis`, async () => {
    await using redis = await startRedis();
    const proxy = startLinkProxy({ host: "127.0.0.1", port: 0, upstreamHost: "127.0.0.1", upstreamPort: redis.port });
    try {
      await using nodes = await startTestNodes(1, { redisUrl: `redis://127.0.0.1:${proxy.port}`, failPolicy: "closed", defaultLimit: 6 });
      const url = nodes[0]!.url;
      expect((await waitForMode(url, "redis")).mode).toBe("redis");
      const load = loaded ? flood(url, { connections: 64, seconds: 30 }) : undefined;
      try {
        proxy.update({ latencyMs: SLOW_LINK_MS });
        const during = await timedChecks(url, "slow", CHECKS);
        // Some may still be decided by Redis (slowly) until the node notices; none is admitted past the limit.
        expect(during.filter((r) => r.status === 200).length).toBeLessThanOrEqual(6);
        await untilFallback(url, "slow", "closed");
        await expectFallback(url, "closed", "slow-fallback", true);
        proxy.update({ latencyMs: 0 });
        expect((await waitForMode(url, "redis")).mode).toBe("redis");
        expect((await check(url, "healed")).body).toMatchObject({ allowed: true, mode: "redis" });
      } finally {
        await load?.stop();
      }
    } finally {
      proxy.stop();
    }
  });
}
