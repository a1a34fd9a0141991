// Hot keys by the step to the next key, on the neighbourhood of the case that matters: 1, 2 or 3
// hot keys among 30 or 10,000 quiet ones, at 0.3x, 1x and 3x the traffic; uniform and zipf (s = 1.1)
// load never. Traffic is drawn with loadgen's own seeded key chooser, over the invariant's 20 s span.
import { describe, expect, test } from "bun:test";
import { keyChooser, type KeyDistribution } from "../../lib/load/keys.ts";
import { hotKeysAmong } from "./hot-key-gap.ts";

const SPAN_MS = 20_000;
/** The observation lists the 20 heaviest keys the nodes' sketches report; the rest is only in the total. */
const LISTED = 20;

interface Load {
  keys: number;
  distribution: KeyDistribution;
  /** checks/s of the background over all its keys */
  ratePerS: number;
  /** hot keys, each at this many checks/s */
  hot?: { count: number; ratePerS: number };
  /** multiplies every rate */
  scale?: number;
  hotShare?: number;
}

function hotAmong(load: Load, seed = 1): string[] {
  const scale = load.scale ?? 1;
  const counts = new Map<string, number>();
  const next = keyChooser({ count: load.keys, distribution: load.distribution, prefix: "user-", seed, zipfExponent: 1.1, hotShare: load.hotShare ?? 0.5 });
  for (let i = 0; i < (load.ratePerS * scale * SPAN_MS) / 1_000; i++) {
    const key = next();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (let h = 0; h < (load.hot?.count ?? 0); h++) counts.set(`tenant-${h}`, (load.hot!.ratePerS * scale * SPAN_MS) / 1_000);
  const sorted = [...counts].map(([key, checks]) => ({ key, checks })).sort((a, b) => b.checks - a.checks);
  const top = sorted.slice(0, LISTED);
  const unlisted = sorted.slice(LISTED).reduce((sum, k) => sum + k.checks, 0);
  return (hotKeysAmong(top, unlisted, SPAN_MS)?.hot ?? []).map((k) => k.key).sort();
}

const tenants = (count: number) => Array.from({ length: count }, (_, i) => `tenant-${i}`);

describe("hot keys: a step of 10x to the next key, each at 10 checks/s or more", () => {
  for (const keys of [30, 10_000]) {
    for (const scale of [0.3, 1, 3]) {
      test(`1, 2 or 3 keys at 100 checks/s among ${keys} uniform keys at 150 checks/s, traffic x${scale}: each fires`, () => {
        for (const count of [1, 2, 3]) expect(hotAmong({ keys, distribution: "uniform", ratePerS: 150, scale, hot: { count, ratePerS: 100 } })).toEqual(tenants(count));
      });
      test(`uniform and zipf s=1.1 over ${keys} keys, traffic x${scale}: never`, () => {
        for (const seed of [1, 2, 3]) {
          expect(hotAmong({ keys, distribution: "uniform", ratePerS: 150, scale }, seed)).toEqual([]);
          expect(hotAmong({ keys, distribution: "zipf", ratePerS: 150, scale }, seed)).toEqual([]);
        }
      });
    }
  }

  test("the issue's miss: 150 checks/s on 30 keys plus loadgen --rate 400 --key-dist hot on the same names (37% of all checks) fires", () => {
    const counts = new Map<string, number>();
    for (const [rate, distribution, seed] of [[150, "uniform", 1], [400, "hot", 2]] as const) {
      const next = keyChooser({ count: 30, distribution, prefix: "user-", seed, zipfExponent: 1.1, hotShare: 0.5 });
      for (let i = 0; i < (rate * SPAN_MS) / 1_000; i++) {
        const key = next();
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    const top = [...counts].map(([key, checks]) => ({ key, checks })).sort((a, b) => b.checks - a.checks);
    const total = top.reduce((sum, k) => sum + k.checks, 0);
    expect(top[0]!.checks / total).toBeLessThan(0.5);
    expect(hotKeysAmong(top.slice(0, LISTED), total - top.slice(0, LISTED).reduce((s, k) => s + k.checks, 0), SPAN_MS)?.hot.map((k) => k.key)).toEqual(["user-0"]);
  });

  test("below 10 checks/s a key is not hot, however far above the rest; at 12 it is", () => {
    const quiet = Array.from({ length: 19 }, (_, i) => ({ key: `q${i}`, checks: 1 }));
    expect(hotKeysAmong([{ key: "k", checks: 160 }, ...quiet], 2_000, SPAN_MS)).toBeUndefined();
    expect(hotKeysAmong([{ key: "k", checks: 240 }, ...quiet], 2_000, SPAN_MS)?.hot).toEqual([{ key: "k", checks: 240 }]);
  });

  test("on a short span a step between small counts is noise: at least 20 checks, whatever the rate", () => {
    expect(hotKeysAmong([{ key: "k", checks: 4 }, { key: "q", checks: 0 }], 0, 200)).toBeUndefined();
    expect(hotKeysAmong([{ key: "k", checks: 20 }, { key: "q", checks: 0 }], 0, 2_000)?.hot).toEqual([{ key: "k", checks: 20 }]);
  });

  test("a step under 10x is not a cliff; the largest cliff decides how many keys are hot", () => {
    expect(hotKeysAmong([{ key: "a", checks: 900 }, { key: "b", checks: 100 }, { key: "c", checks: 90 }], 0, SPAN_MS)).toBeUndefined();
    expect(hotKeysAmong([{ key: "a", checks: 20_000 }, { key: "b", checks: 2_000 }, { key: "c", checks: 10 }], 0, SPAN_MS)).toEqual({
      hot: [{ key: "a", checks: 20_000 }, { key: "b", checks: 2_000 }], next: { key: "c", checks: 10 }, gap: 200,
    });
  });

  test("with no key listed below it, the unlisted traffic bounds the next key; with no other traffic at all there is nothing to be hot against", () => {
    expect(hotKeysAmong([{ key: "a", checks: 2_000 }], 150, SPAN_MS)).toEqual({ hot: [{ key: "a", checks: 2_000 }], next: { key: null, checks: 150 }, gap: 2_000 / 150 });
    expect(hotKeysAmong([{ key: "a", checks: 2_000 }], 1_000, SPAN_MS)).toBeUndefined();
    expect(hotKeysAmong([{ key: "a", checks: 2_000 }], 0, SPAN_MS)).toBeUndefined();
  });

  test("more than 5 equally hot keys are a class of traffic, not hot keys", () => {
    const heavy = Array.from({ length: 6 }, (_, i) => ({ key: `h${i}`, checks: 2_000 }));
    expect(hotKeysAmong([...heavy, { key: "q", checks: 10 }], 0, SPAN_MS)).toBeUndefined();
    expect(hotKeysAmong([...heavy.slice(0, 5), { key: "q", checks: 10 }], 0, SPAN_MS)?.hot.length).toBe(5);
  });
});
