// `eval --vary`: every variant a scenario's data allows (its fault's size halved and doubled, the
// background ×0.3 and ×3, ten times the keys, another target, another algorithm), each with the
// expectation the subject computes before it runs, and a seeded sample of them. Pure: the same
// scenarios, variation and seed give the same variants.
import { formatDuration, parseDurationMs } from "../cli/duration.ts";
import type { FaultStep, Scenario, Workload } from "../scenario/scenario.ts";
import { LEASE, VARIANT_KINDS, type VariantChange, type VariantContext, type VariantExpectation, type VariantKind, type VariedScenario, type Variation } from "../scenario/scenario-variant.ts";
import { seededRandom } from "../load/keys.ts";

/** A variant ready to run: its scenario carries the expectation the subject declared. */
export interface PlannedVariant extends VariedScenario {
  expectation: VariantExpectation;
}

export interface SkippedVariant {
  of: string;
  change: VariantChange;
  reason: string;
}

const pick = <T>(items: T[], random: () => number): T | undefined => items[Math.floor(random() * items.length)];

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** `40ms` × 0.5 = `20ms`, `150` × 2 = `300`; undefined when `value` is neither a duration nor a number. */
export function scaleSize(value: string, factor: number): string | undefined {
  const ms = parseDurationMs(value);
  if (ms !== undefined) return ms > 0 ? formatDuration(Math.max(1, Math.round(ms * factor))) : undefined;
  const n = Number(value);
  return value.trim() !== "" && Number.isFinite(n) && n > 0 ? String(round(n * factor)) : undefined;
}

const withFault = (s: Scenario, index: number, step: FaultStep): Scenario => ({ ...s, faults: s.faults.map((f, i) => (i === index ? step : f)) });

function magnitudes(s: Scenario, variation: Variation): VariedScenario[] {
  return s.faults.flatMap((step, index) => (variation.sizes[step.fault] ?? []).flatMap((param) => [0.5, 2].flatMap((factor) => {
    const from = param === LEASE ? formatDuration(step.durationMs) : step.params[param];
    const to = from === undefined ? undefined : scaleSize(from, factor);
    if (from === undefined || to === undefined) return [];
    const changed: FaultStep = param === LEASE ? { ...step, durationMs: parseDurationMs(to)! } : { ...step, params: { ...step.params, [param]: to } };
    return [{ base: s, scenario: withFault(s, index, changed), change: { kind: "magnitude" as const, label: `${param}=${to}`, description: `${step.fault} ${param} ${from} -> ${to}` } }];
  })));
}

function loads(s: Scenario, background: Workload | undefined): VariedScenario[] {
  if (!background) return [];
  return [0.3, 3].map((factor) => ({
    base: s, scenario: s, background: { ...background, rate: round(background.rate * factor) },
    change: { kind: "load" as const, label: `load-x${factor}`, description: `background ${background.rate} -> ${round(background.rate * factor)} checks/s` },
  }));
}

function keys(s: Scenario, background: Workload | undefined): VariedScenario[] {
  if (!background?.keys || background.key !== undefined) return [];
  return [{
    base: s, scenario: s, background: { ...background, keys: background.keys * 10 },
    change: { kind: "keys" as const, label: "keys-x10", description: `background keys ${background.keys} -> ${background.keys * 10}` },
  }];
}

/** `value` renamed to `to` wherever it names that target: fault params, `type:value` resources, remedy params. */
function renameTarget(s: Scenario, param: string, resource: string, from: string, to: string): Scenario {
  const text = (t: string) => t.split(`${resource}:${from}`).join(`${resource}:${to}`);
  const deep = (value: unknown): unknown => {
    if (typeof value === "string") return text(value);
    if (Array.isArray(value)) return value.map(deep);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), deep(v)]));
    return value;
  };
  return {
    ...s,
    faults: s.faults.map((f) => (f.params[param] === from ? { ...f, params: { ...f.params, [param]: to } } : f)),
    expect: deep(s.expect) as Scenario["expect"],
    ...(s.remedy ? { remedy: s.remedy.map((r) => ({ ...r, params: Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, k === param && v === from ? to : v])) })) } : {}),
  };
}

function targets(s: Scenario, variation: Variation, random: () => number): VariedScenario[] {
  return Object.entries(variation.targets).flatMap(([param, { values, resource }]) => {
    const used = s.faults.flatMap((f) => (f.params[param] === undefined ? [] : [f.params[param]!]));
    const [from] = used;
    const free = values.filter((v) => !used.includes(v));
    const to = pick(free, random);
    if (from === undefined || to === undefined) return [];
    return [{ base: s, scenario: renameTarget(s, param, resource, from, to), change: { kind: "target" as const, label: `${param}=${to}`, description: `${param} ${from} -> ${to}` } }];
  });
}

function choices(s: Scenario, variation: Variation, deployment: Record<string, string>, random: () => number): VariedScenario[] {
  const choice = variation.choice;
  if (!choice) return [];
  const from = deployment[choice.option];
  const to = pick(choice.values.filter((v) => v !== from), random);
  if (to === undefined) return [];
  return [{
    base: s, scenario: { ...s, deployment: { ...s.deployment, [choice.option]: to } },
    change: { kind: "algorithm" as const, label: `${choice.option}=${to}`, description: `${choice.option} ${from ?? "default"} -> ${to}` },
  }];
}

export interface VariantPlanOptions {
  variation: Variation;
  /** The demo's deployment and background, what every base run gets. */
  deployment: Record<string, string>;
  background?: Workload;
  watch: Record<string, string>;
  graceScale: number;
  intervalMs: number;
  kinds: readonly VariantKind[];
  /** Variants per scenario (Infinity: all). */
  sample: number;
  seed: number;
}

/**
 * The variants of `scenarios`: all that `kinds` allow, their expectations computed, then at most
 * `sample` per scenario: a size change first, then the other kinds in turn (rotated from one
 * scenario to the next, so a small sample still covers every kind), within a kind in seeded order.
 */
export function planVariants(scenarios: Scenario[], o: VariantPlanOptions): { variants: PlannedVariant[]; skipped: SkippedVariant[] } {
  const random = seededRandom(o.seed);
  const variants: PlannedVariant[] = [];
  const skipped: SkippedVariant[] = [];
  const kinds = VARIANT_KINDS.filter((k) => o.kinds.includes(k));
  for (const [index, s] of scenarios.entries()) {
    const deployment = { ...o.deployment, ...s.deployment };
    const all: VariedScenario[] = [
      ...(kinds.includes("magnitude") ? magnitudes(s, o.variation) : []),
      ...(kinds.includes("load") ? loads(s, o.background) : []),
      ...(kinds.includes("keys") ? keys(s, o.background) : []),
      ...(kinds.includes("target") ? targets(s, o.variation, random) : []),
      ...(kinds.includes("algorithm") ? choices(s, o.variation, deployment, random) : []),
    ];
    const planned: PlannedVariant[] = [];
    for (const v of all) {
      const context: VariantContext = {
        deployment: { ...o.deployment, ...v.scenario.deployment }, watch: o.watch, graceScale: o.graceScale, intervalMs: o.intervalMs,
        ...((v.background ?? o.background) ? { background: v.background ?? o.background } : {}),
      };
      const expectation = o.variation.expect(v, context);
      if ("skip" in expectation) skipped.push({ of: s.name, change: v.change, reason: expectation.skip });
      else {
        const scenario = { ...v.scenario, name: `${s.name}@${v.change.label}`, expect: expectation.expect, ...(expectation.remedy ? { remedy: expectation.remedy } : {}) };
        planned.push({ ...v, scenario, expectation });
      }
    }
    const byKind = new Map(kinds.map((k) => [k, shuffle(planned.filter((p) => p.change.kind === k), random)]));
    // A size change first where there is one (it is what meets a threshold), the other kinds in turn.
    const rest = kinds.filter((k) => k !== "magnitude");
    const order = [...(kinds.includes("magnitude") ? ["magnitude" as const] : []), ...rest.slice(index % rest.length), ...rest.slice(0, index % rest.length)];
    const chosen: PlannedVariant[] = [];
    while (chosen.length < o.sample && order.some((k) => byKind.get(k)!.length > 0)) {
      for (const k of order) {
        const next = byKind.get(k)!.shift();
        if (next && chosen.length < o.sample) chosen.push(next);
      }
    }
    // In the order they were made (sizes, loads, keys, target, choice), whatever the sample picked.
    variants.push(...chosen.sort((a, b) => planned.indexOf(a) - planned.indexOf(b)));
  }
  return { variants, skipped };
}
