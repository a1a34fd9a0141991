import { describe, expect, test } from "bun:test";
import { dueAtMs, expectedCount, plannedRequests, rateAt } from "./pacer.ts";
import { parseBurst, type Schedule } from "./schedule.ts";

const constant: Schedule = { ratePerSec: 1000, durationMs: 1000, rampMs: 0 };

describe("pacer", () => {
  test("a constant rate spaces requests evenly, the first at once", () => {
    expect([0, 1, 2, 500].map((i) => dueAtMs(constant, i))).toEqual([0, 1, 2, 500]);
    expect(plannedRequests(constant)).toBe(1000);
    expect(plannedRequests({ ratePerSec: 3, durationMs: 1000, rampMs: 0 })).toBe(3);
  });

  test("a linear ramp sends half as many over its length, then the full rate", () => {
    const ramp: Schedule = { ratePerSec: 1000, durationMs: 3000, rampMs: 2000 };
    expect(expectedCount(ramp, 2000)).toBe(1000);
    expect(plannedRequests(ramp)).toBe(2000);
    expect(rateAt(ramp, 1000)).toBe(500);
    // Spacing shrinks as the rate climbs.
    const gapEarly = dueAtMs(ramp, 11) - dueAtMs(ramp, 10);
    const gapLate = dueAtMs(ramp, 1501) - dueAtMs(ramp, 1500);
    expect(gapEarly).toBeGreaterThan(gapLate);
    expect(Math.abs(gapLate - 1)).toBeLessThan(0.002);
  });

  test("bursts multiply the rate inside their window only", () => {
    const burst = parseBurst("10x:1s/5s")!;
    expect(burst).toEqual({ factor: 10, lengthMs: 1000, everyMs: 5000 });
    const s: Schedule = { ratePerSec: 100, durationMs: 10_000, rampMs: 0, burst };
    expect(rateAt(s, 3999)).toBe(100);
    expect(rateAt(s, 4000)).toBe(1000);
    expect(expectedCount(s, 4000)).toBeCloseTo(400, 6);
    expect(expectedCount(s, 5000)).toBeCloseTo(1400, 6);
    expect(plannedRequests(s)).toBe(2800);
    expect(dueAtMs(s, 1400, 4000)).toBeCloseTo(5000, 2);
  });

  test("bursts during a ramp are integrated exactly", () => {
    const s: Schedule = { ratePerSec: 1000, durationMs: 6000, rampMs: 4000, burst: { factor: 3, lengthMs: 1000, everyMs: 2000 } };
    // Base count B(t) = t²/8000 during the ramp: 2000 by 4 s, 4000 by 6 s. The windows [1,2), [3,4)
    // and [5,6) s hold B(2)-B(1) = 375, B(4)-B(3) = 875 and 1000; a 3x burst adds twice that.
    expect(expectedCount(s, 6000)).toBeCloseTo(4000 + 2 * (375 + 875 + 1000), 6);
  });

  test("dueAt inverts the count for every request", () => {
    const s: Schedule = { ratePerSec: 200, durationMs: 4000, rampMs: 1000, burst: { factor: 4, lengthMs: 500, everyMs: 1500 } };
    let previous = 0;
    for (let i = 1; i < plannedRequests(s); i++) {
      const due = dueAtMs(s, i, previous);
      expect(due).toBeGreaterThanOrEqual(previous);
      expect(expectedCount(s, due)).toBeGreaterThanOrEqual(i - 1e-9);
      expect(expectedCount(s, due - 0.002)).toBeLessThan(i);
      previous = due;
    }
  });

  test("bad burst text is refused", () => {
    expect(["10x", "1x:1s/5s", "10x:5s/5s", "ax:1s/2s", "10x:1s/x"].map(parseBurst)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
