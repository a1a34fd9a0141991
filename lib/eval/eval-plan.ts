// What an eval runs: the chosen scenarios (and with --vary their variants), each paired with a
// no-fault control of the same deployment, workload and background (runs that share all three
// share one control), for every engine and repeat. Pure: names in, runs out.
import { usageError } from "../cli/errors.ts";
import { CONTROL, kindOf, type Scenario, type Workload } from "../scenario/scenario.ts";
import type { VariantKind } from "../scenario/scenario-variant.ts";
import type { PlannedVariant } from "./vary-plan.ts";

/** What a varied run is, declared before it runs. */
export interface VariantOf {
  /** The base scenario. */
  of: string;
  kind: VariantKind;
  change: string;
  expected: "detect" | "silent";
  reason: string;
}

export interface PlannedRun {
  scenario: Scenario;
  engine: string;
  /** 1..K */
  repeat: number;
  /** For a control: the fault scenarios (and variants) it is the control of. */
  controlOf?: string[];
  /** The background load when it is not the subject's demo's (a load variant and its control). */
  background?: Workload;
  /** For a variant: what changed from its base and what it must show. */
  variant?: VariantOf;
}

/** One thing to run with its control: a scenario, and the background it runs under when that is not the default. */
interface Paired {
  scenario: Scenario;
  background?: Workload;
  variant?: VariantOf;
}

/** The scenarios `names` picks (all when none), in the subject's order; an unknown name is a usage error listing the known ones. */
export function selectScenarios(all: Scenario[], names: string[] | undefined, subject: string): Scenario[] {
  const faults = all.filter((s) => kindOf(s) === "fault");
  if (!names?.length || (names.length === 1 && names[0] === "all")) return faults;
  const known = faults.map((s) => s.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw usageError("unknown_scenario", `--scenarios names ${unknown.map((n) => `"${n}"`).join(", ")}: subject ${subject} has ${known.join(", ")} (or all)`);
  return faults.filter((s) => names.includes(s.name));
}

const signatureOf = (p: Paired) => JSON.stringify([p.scenario.deployment ?? {}, p.scenario.workload ?? null, p.background ?? null]);

/**
 * One control per distinct deployment, workload and background: the same load on the same
 * deployment with no fault, watched as long as the longest detection deadline among the runs it
 * pairs with.
 */
export function controlsFor(paired: Paired[]): { control: Scenario; background?: Workload; pairedWith: string[] }[] {
  const groups = Map.groupBy(paired, signatureOf);
  return [...groups.values()].map((group) => {
    const [{ scenario: first, background }] = group as [Paired, ...Paired[]];
    const plain = !first.deployment && !first.workload && !background;
    return {
      control: {
        name: plain ? "control" : `control-${first.name}`,
        subject: first.subject,
        kind: "control",
        title: `No fault: the load of ${group.map((p) => p.scenario.name).join(", ")}`,
        narration: "The same deployment and load as the fault scenarios it pairs with, and no fault: every ticket is a false positive.",
        ...(first.deployment ? { deployment: first.deployment } : {}),
        ...(first.workload ? { workload: first.workload } : {}),
        faults: [],
        expect: CONTROL,
        quietMs: Math.max(...group.map((p) => p.scenario.expect?.deadlineMs ?? 0)),
      },
      ...(background ? { background } : {}),
      pairedWith: group.map((p) => p.scenario.name),
    };
  });
}

/** A planned variant as the plan carries it. */
export const variantOf = (v: PlannedVariant): VariantOf => ({
  of: v.base.name, kind: v.change.kind, change: v.change.description, expected: v.expectation.outcome, reason: v.expectation.reason,
});

/** Every run, repeat by repeat, engine by engine: the controls first, then the fault scenarios, then their variants. */
export function planRuns(scenarios: Scenario[], engines: string[], repeat: number, variants: PlannedVariant[] = []): PlannedRun[] {
  const paired: Paired[] = [
    ...scenarios.map((scenario) => ({ scenario })),
    ...variants.map((v) => ({ scenario: v.scenario, ...(v.background ? { background: v.background } : {}), variant: variantOf(v) })),
  ];
  const controls = controlsFor(paired);
  const runs: PlannedRun[] = [];
  for (let r = 1; r <= repeat; r += 1) {
    for (const engine of engines) {
      for (const { control, background, pairedWith } of controls) runs.push({ scenario: control, engine, repeat: r, controlOf: pairedWith, ...(background ? { background } : {}) });
      for (const p of paired) runs.push({ scenario: p.scenario, engine, repeat: r, ...(p.background ? { background: p.background } : {}), ...(p.variant ? { variant: p.variant } : {}) });
    }
  }
  return runs;
}
