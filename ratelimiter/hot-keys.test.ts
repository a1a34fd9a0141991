import { describe, expect, test } from "bun:test";
import { DistinctKeys } from "./distinct-keys.ts";
import { HotKeys } from "./hot-keys.ts";

describe("hot keys", () => {
  test("reports the heaviest keys with their allowed and denied counts", () => {
    const hot = new HotKeys(10, 60_000, 0);
    for (let i = 0; i < 5; i++) hot.record("a", i < 3, 1);
    for (let i = 0; i < 2; i++) hot.record("b", true, 1);
    hot.record("c", false, 1);
    expect(hot.top(2, 2)).toEqual([
      { key: "a", checks: 5, allowed: 3, denied: 2 },
      { key: "b", checks: 2, allowed: 2, denied: 0 },
    ]);
  });

  test("keeps a heavy key among 10,000 light ones in a sketch of 50", () => {
    const hot = new HotKeys(50, 60_000, 0);
    for (let i = 0; i < 10_000; i++) {
      hot.record(`light-${i}`, true, 1);
      if (i % 10 === 0) hot.record("heavy", false, 1);
    }
    const top = hot.top(100, 2);
    expect(top.length).toBe(50);
    expect(top[0]!.key).toBe("heavy");
    expect(top[0]!.denied).toBeGreaterThanOrEqual(1);
  });

  test("forgets keys two windows old", () => {
    const hot = new HotKeys(10, 1_000, 0);
    hot.record("old", true, 10);
    hot.record("recent", true, 1_100);
    expect(hot.top(10, 1_200).map((k) => k.key)).toEqual(["old", "recent"]);
    expect(hot.top(10, 2_200).map((k) => k.key)).toEqual(["recent"]);
    expect(hot.top(10, 5_000)).toEqual([]);
  });
});

describe("distinct keys", () => {
  test("estimates the number of distinct keys within a few percent", () => {
    const distinct = new DistinctKeys(60_000, 0);
    for (let round = 0; round < 3; round++) for (let i = 0; i < 10_000; i++) distinct.record(`key-${i}`, 1);
    const estimate = distinct.estimate(2);
    expect(Math.abs(estimate - 10_000)).toBeLessThan(500);
  });

  test("drops to zero after two quiet windows", () => {
    const distinct = new DistinctKeys(1_000, 0);
    distinct.record("a", 1);
    expect(distinct.estimate(1_500)).toBe(1);
    expect(distinct.estimate(10_000)).toBe(0);
  });
});

describe("hot keys under a skewed stream", () => {
  test("finds every key heavier than 1/capacity of the stream, with exact counts when nothing was evicted", () => {
    const hot = new HotKeys(20, 60_000, 0);
    // 5 heavy keys (10% each) over 5,000 light ones (50%): the heavy ones must come out on top.
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 10_000; i++) {
      const roll = random();
      hot.record(roll < 0.5 ? `heavy-${Math.floor(roll * 10)}` : `light-${i}`, roll < 0.25, 1);
    }
    const top = hot.top(5, 2);
    expect(top.map((k) => k.key).sort()).toEqual(["heavy-0", "heavy-1", "heavy-2", "heavy-3", "heavy-4"]);
    for (const k of top) expect(k.allowed + k.denied).toBeLessThanOrEqual(k.checks);
  });

  test("counts stay exact while the keys fit in the sketch", () => {
    const hot = new HotKeys(100, 60_000, 0);
    const expected = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) {
      const key = `k${(i * i) % 37}`;
      hot.record(key, true, 1);
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const top = hot.top(100, 2);
    expect(Object.fromEntries(top.map((k) => [k.key, k.checks]))).toEqual(Object.fromEntries(expected));
    expect(top.map((k) => k.checks)).toEqual([...top.map((k) => k.checks)].sort((a, b) => b - a));
  });
});
