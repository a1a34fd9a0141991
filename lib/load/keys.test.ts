import { describe, expect, test } from "bun:test";
import { keyChooser, zipfSampler, seededRandom, type KeySpec } from "./keys.ts";

const base: KeySpec = { count: 100, distribution: "uniform", prefix: "k", seed: 7, zipfExponent: 1, hotShare: 0.5 };

const draw = (spec: KeySpec, n: number) => {
  const next = keyChooser(spec);
  return Array.from({ length: n }, next);
};

const histogram = (keys: string[]) => {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
};

describe("keys", () => {
  test("the same seed gives the same sequence, another seed another", () => {
    expect(draw(base, 50)).toEqual(draw(base, 50));
    expect(draw({ ...base, seed: 8 }, 50)).not.toEqual(draw(base, 50));
  });

  test("uniform spreads over every key with the prefix", () => {
    const counts = histogram(draw(base, 20_000));
    expect(counts.size).toBe(100);
    expect([...counts.keys()].every((k) => /^k\d+$/.test(k))).toBe(true);
    expect(Math.max(...counts.values())).toBeLessThan(2 * Math.min(...counts.values()));
  });

  test("hot sends the given share to key 0", () => {
    const counts = histogram(draw({ ...base, distribution: "hot", hotShare: 0.8 }, 10_000));
    expect(Math.abs(counts.get("k0")! / 10_000 - 0.8)).toBeLessThan(0.02);
    expect(counts.size).toBe(100);
  });

  test("zipf follows rank^-s", () => {
    const sample = zipfSampler(1000, 1, seededRandom(1));
    const counts = new Array(1001).fill(0);
    for (let i = 0; i < 100_000; i++) counts[sample()]++;
    // P(1)/P(2) = 2 and P(1)/P(10) = 10 for s = 1.
    expect(Math.abs(counts[1] / counts[2] - 2)).toBeLessThan(0.15);
    expect(Math.abs(counts[1] / counts[10] - 10)).toBeLessThan(1.5);
    expect(counts.length).toBe(1001); // nothing above rank n
    expect(counts[0]).toBe(0);
  });

  test("--key sends only that key", () => {
    expect(new Set(draw({ ...base, only: "k" }, 50))).toEqual(new Set(["k"]));
  });

  test("a single key is always that key", () => {
    expect(new Set(draw({ ...base, count: 1, distribution: "zipf" }, 100))).toEqual(new Set(["k0"]));
    expect(new Set(draw({ ...base, count: 1, distribution: "hot" }, 100))).toEqual(new Set(["k0"]));
  });
});
