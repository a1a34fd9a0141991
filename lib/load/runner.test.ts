import { afterAll, describe, expect, test } from "bun:test";
import { buildReport } from "./report.ts";
import { runLoad, type LoadPlan } from "./runner.ts";
import type { Workload } from "./workload.ts";

const workload: Workload = {
  request: (key) => ({ method: "POST", path: "/check", body: JSON.stringify({ key }), headers: { "content-type": "application/json" } }),
  classify: (status) => (status === 200 ? "allowed" : status === 429 ? "denied" : undefined),
};

// A tiny target: odd keys are denied, keys starting with "fail" get a 500, "slow" waits 400 ms.
const seen: string[] = [];
const target = () =>
  Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const { key } = (await request.json()) as { key: string };
      seen.push(key);
      if (key.startsWith("fail")) return new Response("boom", { status: 500 });
      if (key.startsWith("slow")) await Bun.sleep(400);
      if (key.startsWith("hang")) await Bun.sleep(5_000);
      return new Response("{}", { status: Number(key.replace(/\D/g, "")) % 2 ? 429 : 200 });
    },
  });
const a = target();
const b = target();
afterAll(() => {
  a.stop(true);
  b.stop(true);
});

let counter = 0;
const plan = (overrides: Partial<LoadPlan>): LoadPlan => ({
  schedule: { ratePerSec: 200, durationMs: 1000, rampMs: 0 },
  targets: [a.url.href, b.url.href],
  nextKey: () => `k${counter++}`,
  workload,
  maxInFlight: 100,
  timeoutMs: 2000,
  lateThresholdMs: 10,
  ...overrides,
});

describe("runLoad", () => {
  test("sends exactly the planned requests round robin; 429 is a denial, not an error", async () => {
    counter = 0;
    const seconds: number[] = [];
    const run = await runLoad(plan({}), { onSecond: (s) => seconds.push(s.sent) });
    const report = buildReport(run, plan({}).schedule, { saturationLagMs: 10 });
    expect({ requests: report.requests, planned: report.planned, allowed: report.allowed, denied: report.denied, errors: report.errors.total }).toEqual({
      requests: 200,
      planned: 200,
      allowed: 100,
      denied: 100,
      errors: 0,
    });
    expect(report.targets.map((t) => [t.url, t.requests])).toEqual([
      [a.url.href.replace(/\/$/, ""), 100],
      [b.url.href.replace(/\/$/, ""), 100],
    ]);
    expect(report.breaches.filter((b) => !b.startsWith("the generator"))).toEqual([]);
    expect(seconds.reduce((sum, n) => sum + n, 0)).toBe(200);
  });

  test("errors are split by kind: 5xx, refused, timeout", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const closedUrl = closed.url.href;
    closed.stop(true);
    let i = 0;
    const keys = ["fail1", "hang2"];
    const run = await runLoad(
      plan({ schedule: { ratePerSec: 40, durationMs: 500, rampMs: 0 }, targets: [a.url.href, closedUrl], timeoutMs: 300, nextKey: () => keys[Math.floor(i++ / 2) % 2]! }),
    );
    const report = buildReport(run, { ratePerSec: 40, durationMs: 500, rampMs: 0 }, { saturationLagMs: 10, maxErrorRate: 0.1 });
    expect(report.requests).toBe(20);
    expect(report.errors).toEqual({ timeout: 5, refused: 10, reset: 0, http_5xx: 5, http_4xx: 0, other: 0, total: 20 });
    expect(report.breaches).toContain("error rate 1 is over --max-error-rate 0.1");
  });

  test("a stalled target shows in the latency, measured from the intended send time", async () => {
    const run = await runLoad(plan({ schedule: { ratePerSec: 20, durationMs: 500, rampMs: 0 }, targets: [a.url.href], nextKey: () => "slow0" }));
    const report = buildReport(run, { ratePerSec: 20, durationMs: 500, rampMs: 0 }, { saturationLagMs: 10, maxP99Ms: 100 });
    expect(report.allowed).toBe(10);
    expect(report.latency_ms.p50).toBeGreaterThanOrEqual(400);
    expect(report.breaches.some((b) => b.startsWith("latency p99"))).toBe(true);
  });

  test("the in-flight cap drops requests and marks the generator saturated", async () => {
    const run = await runLoad(plan({ schedule: { ratePerSec: 100, durationMs: 300, rampMs: 0 }, targets: [a.url.href], maxInFlight: 5, timeoutMs: 200, nextKey: () => "hang0" }));
    const report = buildReport(run, { ratePerSec: 100, durationMs: 300, rampMs: 0 }, { saturationLagMs: 10 });
    expect(report.dropped).toBeGreaterThan(0);
    expect(report.requests + report.dropped).toBe(30);
    expect(report.generator_saturated).toBe(true);
    expect(report.breaches[0]).toStartWith("the generator could not keep up");
  });

  test("an abort stops sending and reports what was sent", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const run = await runLoad(plan({ schedule: { ratePerSec: 100, durationMs: 10_000, rampMs: 0 } }), { signal: controller.signal });
    expect(run.interrupted).toBe(true);
    expect(run.sent).toBeLessThan(1000);
    expect(run.total.requests).toBe(run.sent);
  });
});
