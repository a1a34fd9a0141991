// How the rate limiter's scenarios vary for `eval --vary`, and what each variant must show, computed
// from the invariants' own thresholds (thresholds.ts, the watched latency limits, the graces): a
// fault under a threshold is expected to stay silent, and then silence is right.
import { resolveOptions } from "../../lib/cli/config.ts";
import { parseDurationMs } from "../../lib/cli/duration.ts";
import { faultClassOf, type Expectation, type FaultStep, type Workload } from "../../lib/scenario/scenario.ts";
import type { VariantContext, VariantExpectation, VariedScenario, Variation } from "../../lib/scenario/scenario-variant.ts";
import { LEASE } from "../../lib/scenario/scenario-variant.ts";
import { invariants } from "./invariants.ts";
import { subjectOptions } from "./options.ts";
import { THRESHOLDS as T } from "./thresholds.ts";
import { ALGORITHMS, isAlgorithm, type Algorithm } from "./wire.ts";

/** The hot_key invariant judges the checks of the last ~20 s (the nodes' hot-keys window). */
const HOT_KEY_WINDOW_S = 20;

/**
 * Checks the edge burst gets admitted within one window, as a multiple of the limit: a fixed
 * window lets a full limit through on each side of its edge; the others hold any window to the
 * limit (sliding log exactly; GCRA a burst of the limit, then one per emission interval; the
 * weighted sliding window counts the previous window's checks near the edge), give or take one.
 */
const EDGE_BURST_ADMITS: Record<Algorithm, (limit: number) => number> = {
  "fixed-window": (limit) => 2 * limit,
  "sliding-log": (limit) => limit,
  "sliding-window": (limit) => limit + 1,
  gcra: (limit) => limit + 1,
};

/** Scenarios whose faults act through the algorithm's key layout (a counter's TTL, local shares): not predicted under another algorithm. */
const LAYOUT_BOUND_FAULTS = new Set(["stale-key", "partition"]);

/** Faults that take Redis away from every node at once. */
const FAIL_OPEN_FAULTS = new Set(["redis-pause", "redis-kill"]);

const graceOf = (name: string) => invariants.find((i) => i.name === name)?.graceMs ?? 0;
const numberOf = (text: string | undefined, fallback: number) => (text === undefined ? fallback : Number(text));

interface Judgement {
  /** Expected detections (`invariant:resource`) this variant cannot open, and why. */
  drop: Map<string, string>;
  /** Why the rest still open. */
  keep: string[];
}

function latency(step: FaultStep, limitMs: number, j: Judgement): void {
  const oneWayMs = parseDurationMs(step.params.latency ?? "100ms") ?? 100;
  const node = step.params.node;
  // The link proxy delays each direction: a round trip gains twice the latency.
  const added = 2 * oneWayMs;
  if (added <= limitMs) j.drop.set(`redis_latency:node:${node}`, `node ${node}'s round trip gains ${added} ms, within redis_latency's ${limitMs} ms`);
  else j.keep.push(`node ${node}'s round trip gains ${added} ms, over redis_latency's ${limitMs} ms`);
}

/**
 * The hot-key rule's figures, whichever rule thresholds.ts holds: the share of all traffic (share,
 * dominance, minimum checks) or, as issue 14 changes it, the step to the next key (gap, minimum rate,
 * minimum checks). Read by name so the expectation follows the table the invariant reads.
 */
const hotRule = T as unknown as Partial<Record<"hotKeyShare" | "hotKeyDominance" | "hotKeyGap" | "hotKeyMinRatePerS" | "hotKeyMinChecks", number>>;

function hotKey(step: FaultStep, background: Workload | undefined, j: Judgement): void {
  const rate = numberOf(step.params.rate, 500);
  const key = step.params.key ?? "hot-key";
  const other = background?.rate ?? 0;
  const keys = background ? (background.key !== undefined ? 1 : background.keys ?? 1) : 0;
  // Uniform background: the next key gets about the mean per-key rate.
  const perKey = keys ? other / keys : 0;
  const minChecks = hotRule.hotKeyMinChecks ?? 0;
  const step_ = perKey ? `${(rate / perKey).toFixed(0)}x the next key` : "no other key";
  let fires: boolean;
  let wants: string;
  if (hotRule.hotKeyGap !== undefined) {
    const minRate = hotRule.hotKeyMinRatePerS ?? 0;
    fires = rate >= hotRule.hotKeyGap * perKey && rate >= minRate && rate * HOT_KEY_WINDOW_S >= minChecks;
    wants = `hot_key wants ${hotRule.hotKeyGap}x and ${minRate} checks/s`;
  } else {
    const share = rate / (rate + other);
    fires = share >= (hotRule.hotKeyShare ?? 0) && rate >= (hotRule.hotKeyDominance ?? 0) * perKey && (rate + other) * HOT_KEY_WINDOW_S >= minChecks;
    wants = `share ${share.toFixed(2)}: hot_key wants ${hotRule.hotKeyShare} and ${hotRule.hotKeyDominance}x`;
  }
  const figures = `${rate} checks/s on ${key} against ${other} checks/s over ${background?.keys ?? 0} other keys: ${step_} (${wants})`;
  if (fires) j.keep.push(figures);
  else j.drop.set(`hot_key:key:${key}`, figures);
}

function edgeBurst(step: FaultStep, deployment: Record<string, string>, j: Judgement): void {
  const algorithm = deployment.algorithm;
  const limit = numberOf(deployment.defaultLimit, 10);
  const key = step.params.key ?? "edge-burst";
  if (!isAlgorithm(algorithm)) return;
  const admitted = EDGE_BURST_ADMITS[algorithm](limit);
  const allowed = Math.floor(limit * T.admissionFactor[algorithm]);
  const figures = `the burst gets ${admitted} checks admitted in one window under ${algorithm}; over_admission allows ${allowed} (limit ${limit} x ${T.admissionFactor[algorithm]})`;
  if (admitted > allowed) j.keep.push(figures);
  else j.drop.set(`over_admission:key:${key}`, figures);
}

/**
 * Redis gone and the nodes failing open: every check of the scenario's own key is admitted, so a
 * window sees its rate times the window (or the fault's lease, if shorter) against the limit.
 */
function failOpen(step: FaultStep, workload: Workload | undefined, deployment: Record<string, string>, j: Judgement): void {
  const algorithm = deployment.algorithm;
  if (!workload?.key || !isAlgorithm(algorithm) || deployment.failPolicy !== "open") return;
  const limit = numberOf(deployment.defaultLimit, 10);
  const windowMs = parseDurationMs(deployment.window ?? "60s") ?? 60_000;
  const admitted = Math.floor((workload.rate * Math.min(windowMs, step.durationMs)) / 1000);
  const allowed = Math.floor(limit * T.admissionFactor[algorithm]);
  const figures = `failing open, ${workload.key} gets ${admitted} checks admitted in one window under ${algorithm}; over_admission allows ${allowed}`;
  if (admitted > allowed) j.keep.push(figures);
  else j.drop.set(`over_admission:key:${workload.key}`, figures);
}

/** A fault whose lease is shorter than an expected ticket's grace (scaled) plus two monitor cycles cannot open it. */
function lease(step: FaultStep, expect: Expectation, context: VariantContext, j: Judgement): void {
  for (const d of expect.detections) {
    const needMs = graceOf(d.invariant) * context.graceScale + 2 * context.intervalMs;
    if (step.durationMs < needMs) j.drop.set(`${d.invariant}:${d.resource}`, `a ${step.durationMs} ms fault ends before ${d.invariant}'s grace (${needMs} ms with two cycles)`);
  }
}

/** The expectation without the dropped detections, and without the components only they pointed at. */
function without(expect: Expectation, dropped: Set<string>): Expectation {
  const detections = expect.detections.filter((d) => !dropped.has(`${d.invariant}:${d.resource}`));
  const components = expect.components.filter((c) => detections.some((d) => d.resource === c) || !expect.detections.some((d) => d.resource === c));
  return { ...expect, detections, components, faultClass: components[0] ? faultClassOf(expect, components[0]) : expect.faultClass };
}

/** A remedy step is for the component its `node` or `key` param names (`restart_node {node: b}` is for node:b). */
const isFor = (params: Record<string, unknown>, component: string) =>
  component === `node:${String(params.node)}` || component === `key:${String(params.key)}`;

export function expectVariant(v: VariedScenario, context: VariantContext): VariantExpectation | { skip: string } {
  const s = v.scenario;
  const algorithmChanged = v.change.kind === "algorithm";
  if (algorithmChanged && s.faults.some((f) => LAYOUT_BOUND_FAULTS.has(f.fault))) {
    return { skip: `${s.faults.map((f) => f.fault).join(" + ")} acts through the algorithm's key layout: its effect under ${context.deployment.algorithm} is not a threshold's` };
  }
  const limits = resolveOptions(subjectOptions, context.watch ?? {}, {});
  const j: Judgement = { drop: new Map(), keep: [] };
  for (const step of s.faults) {
    if (step.fault === "redis-latency") latency(step, limits.redisLatencyThreshold, j);
    if (step.fault === "hot-key") hotKey(step, context.background, j);
    if (step.fault === "edge-burst") edgeBurst(step, context.deployment, j);
    if (FAIL_OPEN_FAULTS.has(step.fault) && s.expect.detections.some((d) => d.invariant === "over_admission")) failOpen(step, s.workload, context.deployment, j);
    if (v.change.kind === "magnitude" && v.change.label.startsWith(`${LEASE}=`)) lease(step, s.expect, context, j);
  }
  const expect = without(s.expect, new Set(j.drop.keys()));
  const reasons = [...j.drop.values(), ...j.keep];
  if (expect.detections.length === 0) {
    return { outcome: "silent", reason: reasons.join("; "), expect: { detections: [], deadlineMs: s.expect.deadlineMs, components: [], faultClass: "none" } };
  }
  const gone = s.expect.components.filter((c) => !expect.components.includes(c));
  return {
    outcome: "detect",
    reason: reasons.join("; ") || `${v.change.description} touches no threshold of ${[...new Set(expect.detections.map((d) => d.invariant))].join(", ")}`,
    expect,
    ...(s.remedy ? { remedy: s.remedy.filter((r) => !gone.some((c) => isFor(r.params, c))) } : {}),
  };
}

export const variation: Variation = {
  sizes: { "redis-latency": ["latency"], "hot-key": ["rate"], "redis-pause": [LEASE], "redis-kill": [LEASE], "redis-oom": [LEASE] },
  targets: { node: { values: ["a", "b", "c"], resource: "node" } },
  choice: { option: "algorithm", values: [...ALGORITHMS] },
  expect: expectVariant,
};
