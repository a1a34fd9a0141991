// A node's figures over several cycles: check p99 between two scrapes (never the lifetime
// histogram), Redis latency as the median of recent reports, timeouts as the slowest reading.
import { describe, expect, test } from "bun:test";
import type { Buckets } from "./metrics-text.ts";
import { NodeHistory } from "./node-history.ts";

/** A cumulative histogram: `fast` checks under 1 ms, `slow` ones between 50 and 100 ms. */
const histogram = (fast: number, slow: number): Buckets => new Map([[0.001, fast], [0.01, fast], [0.05, fast], [0.1, fast + slow], [Infinity, fast + slow]]);

describe("node history", () => {
  test("the first scrape is a baseline: a lifetime of slow checks is not the node's recent p99", () => {
    const h = new NodeHistory();
    expect(h.checkLatency("a", histogram(1_000, 200), 0)).toEqual({});
    const fastSince = h.checkLatency("a", histogram(1_500, 200), 2_000);
    expect(fastSince.checkSamples).toBe(500);
    expect(fastSince.checkP99Ms).toBeLessThan(1);
    const slowSince = h.checkLatency("a", histogram(1_600, 300), 4_000);
    expect(slowSince.checkP99Ms).toBeGreaterThan(50);
  });

  test("a p99 needs 100 checks between the scrapes", () => {
    const h = new NodeHistory();
    h.checkLatency("a", histogram(0, 0), 0);
    expect(h.checkLatency("a", histogram(60, 30), 2_000)).toEqual({ checkSamples: 90 });
  });

  test("Redis latency: one slow report after start is not the verdict; a link slower than the node's timeout (null reports) is a verdict", () => {
    const h = new NodeHistory();
    expect(h.redisLatency("a", 15.1, 0)).toEqual({ redisLatencyMs: 15.1, redisLatencySamples: 1 });
    h.redisLatency("a", 0.3, 500);
    expect(h.redisLatency("a", 0.4, 1_000)).toEqual({ redisLatencyMs: 0.4, redisLatencySamples: 3 });
    const slow = new NodeHistory();
    slow.redisLatency("b", 0.4, 0);
    for (const at of [250, 500, 750]) slow.redisLatency("b", null, at);
    expect(slow.redisLatency("b", null, 1_000)).toEqual({ redisLatencySamples: 5, redisProbesTimingOut: true });
    expect(slow.redisLatency("b", undefined, 1_250)).toEqual({});
  });
});
