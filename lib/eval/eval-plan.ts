// What an eval runs: the chosen scenarios, each paired with a no-fault control of the same
// deployment and workload (scenarios that share both share one control), for every engine and
// repeat. Pure: names in, runs out.
import { usageError } from "../errors.ts";
import { CONTROL, kindOf, type Scenario } from "../scenario.ts";

export interface PlannedRun {
  scenario: Scenario;
  engine: string;
  /** 1..K */
  repeat: number;
  /** For a control: the fault scenarios it is the control of. */
  controlOf?: string[];
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

const signatureOf = (s: Scenario) => JSON.stringify([s.deployment ?? {}, s.workload ?? null]);

/**
 * One control per distinct deployment and workload: the same load on the same deployment with no
 * fault, watched as long as the longest detection deadline among the scenarios it pairs with.
 */
export function controlsFor(scenarios: Scenario[]): { control: Scenario; pairedWith: string[] }[] {
  const groups = Map.groupBy(scenarios, signatureOf);
  return [...groups.values()].map((group) => {
    const [first] = group as [Scenario, ...Scenario[]];
    const plain = !first.deployment && !first.workload;
    return {
      control: {
        name: plain ? "control" : `control-${first.name}`,
        subject: first.subject,
        kind: "control",
        title: `No fault: the load of ${group.map((s) => s.name).join(", ")}`,
        narration: "The same deployment and load as the fault scenarios it pairs with, and no fault: every ticket is a false positive.",
        ...(first.deployment ? { deployment: first.deployment } : {}),
        ...(first.workload ? { workload: first.workload } : {}),
        faults: [],
        expect: CONTROL,
        quietMs: Math.max(...group.map((s) => s.expect?.deadlineMs ?? 0)),
      },
      pairedWith: group.map((s) => s.name),
    };
  });
}

/** Every run, repeat by repeat, engine by engine: the controls first, then the fault scenarios. */
export function planRuns(scenarios: Scenario[], engines: string[], repeat: number): PlannedRun[] {
  const controls = controlsFor(scenarios);
  const runs: PlannedRun[] = [];
  for (let r = 1; r <= repeat; r += 1) {
    for (const engine of engines) {
      for (const { control, pairedWith } of controls) runs.push({ scenario: control, engine, repeat: r, controlOf: pairedWith });
      for (const scenario of scenarios) runs.push({ scenario, engine, repeat: r });
    }
  }
  return runs;
}
