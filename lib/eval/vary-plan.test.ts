import { expect, test } from "bun:test";
import type { Scenario } from "../scenario/scenario.ts";
import { LEASE, VARIANT_KINDS, type Variation } from "../scenario/scenario-variant.ts";
import { planRuns } from "./eval-plan.ts";
import { planVariants, scaleSize, type VariantPlanOptions } from "./vary-plan.ts";

const slow: Scenario = {
  name: "slow", subject: "s", title: "t", narration: "n",
  faults: [{ fault: "latency", params: { node: "c", latency: "40ms" }, durationMs: 60_000 }],
  expect: { detections: [{ invariant: "slow", resource: "node:c" }], deadlineMs: 20_000, components: ["node:c"], faultClass: "network_latency", tolerated: ["p99:node:c"] },
  remedy: [{ action: "drain", params: { node: "c" } }],
};
const pause: Scenario = { ...slow, name: "pause", faults: [{ fault: "pause", params: {}, durationMs: 12_000 }], expect: { ...slow.expect, detections: [{ invariant: "down", resource: "db" }], components: ["db"] } };

/** Silent when the one-way latency is at most 25 ms: a stand-in for a subject's threshold. */
const variation: Variation = {
  sizes: { latency: ["latency"], pause: [LEASE] },
  targets: { node: { values: ["a", "b", "c"], resource: "node" } },
  choice: { option: "algorithm", values: ["x", "y", "z"] },
  expect: (v) => {
    if (v.change.kind === "algorithm" && v.base.name === "pause") return { skip: "not predictable" };
    const ms = Number((v.scenario.faults[0]!.params.latency ?? "100ms").replace("ms", ""));
    return ms <= 25 ? { outcome: "silent", reason: `${ms} ms`, expect: { detections: [], deadlineMs: 20_000, components: [], faultClass: "none" } } : { outcome: "detect", reason: `${ms} ms`, expect: v.scenario.expect };
  },
};

const options = (over: Partial<VariantPlanOptions> = {}): VariantPlanOptions => ({
  variation, deployment: { algorithm: "x" }, background: { rate: 30, keys: 300 }, watch: {}, graceScale: 1, intervalMs: 1_000, kinds: VARIANT_KINDS, sample: Infinity, seed: 1, ...over,
});

test("sizes halve and double, durations and numbers alike", () => {
  expect([scaleSize("40ms", 0.5), scaleSize("12s", 2), scaleSize("150", 0.5), scaleSize("etcd-2", 2), scaleSize("0", 2)]).toEqual(["20ms", "24s", "75", undefined, undefined]);
});

test("every variant the data allows, each with the expectation its subject declared, renamed targets and all", () => {
  const { variants, skipped } = planVariants([slow, pause], options());
  const rows = variants.map((v) => [v.scenario.name, v.change.kind, v.expectation.outcome, v.background?.rate ?? null, v.background?.keys ?? null, v.scenario.deployment ?? null]);
  expect(rows).toEqual([
    ["slow@latency=20ms", "magnitude", "silent", null, null, null],
    ["slow@latency=80ms", "magnitude", "detect", null, null, null],
    ["slow@load-x0.3", "load", "detect", 9, 300, null],
    ["slow@load-x3", "load", "detect", 90, 300, null],
    ["slow@keys-x10", "keys", "detect", 30, 3000, null],
    [expect.stringMatching(/^slow@node=[ab]$/), "target", "detect", null, null, null],
    [expect.stringMatching(/^slow@algorithm=[yz]$/), "algorithm", "detect", null, null, { algorithm: expect.stringMatching(/^[yz]$/) }],
    ["pause@duration=6s", "magnitude", "detect", null, null, null],
    ["pause@duration=24s", "magnitude", "detect", null, null, null],
    ["pause@load-x0.3", "load", "detect", 9, 300, null],
    ["pause@load-x3", "load", "detect", 90, 300, null],
    ["pause@keys-x10", "keys", "detect", 30, 3000, null],
  ]);
  const moved = variants.find((v) => v.change.kind === "target")!;
  const to = moved.scenario.faults[0]!.params.node!;
  expect([moved.scenario.expect.detections, moved.scenario.expect.components, moved.scenario.expect.tolerated, moved.scenario.remedy]).toEqual([
    [{ invariant: "slow", resource: `node:${to}` }], [`node:${to}`], [`p99:node:${to}`], [{ action: "drain", params: { node: to } }],
  ]);
  expect(variants.find((v) => v.scenario.name === "pause@duration=6s")!.scenario.faults[0]!.durationMs).toBe(6_000);
  expect(skipped.map((k) => [k.of, k.change.kind, k.reason])).toEqual([["pause", "algorithm", "not predictable"]]);
});

test("the seed decides targets, choices and the sample: the same seed, the same variants; a size change comes first, the other kinds in turn", () => {
  const names = (seed: number, sample: number) => planVariants([slow, pause, slow], options({ seed, sample })).variants.map((v) => v.scenario.name);
  expect(names(7, 2)).toEqual(names(7, 2));
  const picked = names(7, 2);
  expect(picked.filter((n) => n.includes("@latency=") || n.includes("@duration="))).toHaveLength(3);
  expect(new Set(picked.map((n) => n.split("@")[1]!.split(/[=-]/)[0])).size).toBeGreaterThan(2);
  expect(Array.from({ length: 8 }, (_, s) => names(s, Infinity).find((n) => n.startsWith("slow@node="))).some((n, _, all) => n !== all[0])).toBe(true);
});

test("each variant gets a control of its own load and deployment; variants that change only the fault share their base's", () => {
  const { variants } = planVariants([slow], options({ kinds: ["magnitude", "load"] }));
  const runs = planRuns([slow], ["builtin"], 1, variants);
  expect(runs.map((r) => [r.scenario.name, r.controlOf ?? null, r.background?.rate ?? null, r.variant?.expected ?? null])).toEqual([
    ["control", ["slow", "slow@latency=20ms", "slow@latency=80ms"], null, null],
    ["control-slow@load-x0.3", ["slow@load-x0.3"], 9, null],
    ["control-slow@load-x3", ["slow@load-x3"], 90, null],
    ["slow", null, null, null],
    ["slow@latency=20ms", null, null, "silent"],
    ["slow@latency=80ms", null, null, "detect"],
    ["slow@load-x0.3", null, 9, "detect"],
    ["slow@load-x3", null, 90, "detect"],
  ]);
});
