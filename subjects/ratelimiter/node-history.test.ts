// A node's figures over several cycles: check latency span by span between scrapes (never the
// lifetime histogram), Redis latency over recent reports, timeouts as the slowest reading.
import { describe, expect, test } from "bun:test";
import type { Buckets } from "./metrics-text.ts";
import { NodeHistory } from "./node-history.ts";

/** A cumulative histogram: `fast` checks under 1 ms, `slow` ones between 50 and 100 ms. */
const histogram = (fast: number, slow: number): Buckets => new Map([[0.001, fast], [0.01, fast], [0.05, fast], [0.1, fast + slow], [Infinity, fast + slow]]);

describe("node history", () => {
  /** Scrapes every 2 s (the monitor's interval) adding `spans` as [fast, slow] checks each; the latency after each. */
  const scrape = (h: NodeHistory, start: [number, number], spans: [number, number][]) => {
    let [fast, slow] = start;
    h.checkLatency("a", histogram(fast, slow), 0);
    return spans.map(([f, s], i) => h.checkLatency("a", histogram((fast += f), (slow += s)), (i + 1) * 2_000));
  };

  test("the first scrape is a baseline: a lifetime of slow checks is not the node's recent latency", () => {
    const after = scrape(new NodeHistory(), [1_000, 200], [[100, 0], [100, 0], [100, 0]]);
    expect(after.map((l) => l.checkP99Ms)).toEqual([undefined, undefined, expect.any(Number)]);
    expect(after[2]).toMatchObject({ checkSamples: 300, checkSpans: 3 });
    expect(after[2]!.checkP99Ms).toBeLessThan(1);
  });

  test("slow in all but one of the last 5 spans is slow; one stall (one span, or two of five) is not", () => {
    const sustained = scrape(new NodeHistory(), [0, 0], [[50, 0], [40, 10], [40, 10], [40, 10], [40, 10]]).at(-1)!;
    expect(sustained.checkP99Ms).toBeGreaterThan(50);
    expect(sustained.checkSpans).toBe(5);
    for (const stall of [[[50, 0], [50, 0], [10, 40], [50, 0], [50, 0]], [[50, 0], [10, 40], [10, 40], [50, 0], [50, 0]]] as [number, number][][]) {
      expect(scrape(new NodeHistory(), [0, 0], stall).at(-1)!.checkP99Ms).toBeLessThan(1);
    }
  });

  test("a verdict needs 3 spans and 100 checks in the last ~30 s; a span with no check is no reading", () => {
    expect(scrape(new NodeHistory(), [0, 0], [[20, 10], [20, 10], [20, 10]]).at(-1)).toEqual({ checkSamples: 90 });
    const idleSpans = scrape(new NodeHistory(), [0, 0], [[0, 60], [0, 0], [0, 0], [0, 60]]).at(-1)!;
    expect(idleSpans).toEqual({ checkSamples: 120 });
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
