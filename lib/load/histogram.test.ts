import { describe, expect, test } from "bun:test";
import { Histogram } from "./histogram.ts";

describe("Histogram", () => {
  test("small values are exact", () => {
    const h = new Histogram();
    for (let v = 1; v <= 1000; v++) h.record(v);
    expect([h.valueAt(0.5), h.valueAt(0.99), h.valueAt(1), h.count]).toEqual([500, 990, 1000, 1000]);
  });

  test("large values keep 3 significant digits", () => {
    for (const v of [2048, 4095, 12_345, 999_999, 1_234_567, 60_000_000, 2 ** 31 + 12_345]) {
      const h = new Histogram();
      h.record(v);
      h.record(v + 1_000_000_000_000); // clamped, never beyond the range
      const p50 = h.valueAt(0.5);
      expect(Math.abs(p50 - v) / v).toBeLessThan(0.001);
    }
  });

  test("percentiles in ms, merging and reset", () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 0; i < 99; i++) a.record(1000);
    b.record(250_000);
    a.add(b);
    expect(a.percentilesMs()).toEqual({ p50: 1, p90: 1, p99: 1, p999: 250, max: 250, mean: 3.49 });
    a.reset();
    expect(a.percentilesMs()).toEqual({ p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 });
  });

  test("memory does not grow with the number of values", () => {
    const h = new Histogram();
    for (let i = 0; i < 200_000; i++) h.record((i * 7919) % 5_000_000);
    expect(h.count).toBe(200_000);
    expect(Math.abs(h.valueAt(0.5) - 2_500_000) / 2_500_000).toBeLessThan(0.01);
  });
});
