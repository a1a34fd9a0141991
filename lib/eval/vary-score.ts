// The scores `eval --vary` puts side by side: the base runs and the varied runs, each with its
// controls, on detection, silence where silence was declared, false positives, the right component,
// and one incident per injected fault. Pure: judged runs in, figures out.
import type { FinishedRun } from "./run-eval.ts";

export interface SetScores {
  /** Fault runs (base scenarios or variants) and the controls they pair with. */
  runs: number;
  /** Fault runs expected to be detected, and the share that were (every expected ticket in time). */
  expected_detect: number;
  detection_recall: number | null;
  /** Runs expected to stay silent (a fault under its thresholds), and the share that did. */
  expected_silent: number;
  silence_kept: number | null;
  /** Tickets where none was right: in controls and in runs expected to stay silent. */
  false_positives: number;
  /** Tickets a detected fault run opened that its expectation neither expects nor tolerates. */
  unexpected_in_fault_runs: number;
  /** Share of the expected-detect runs whose diagnosis ranked the expected component first. */
  right_component: number | null;
  /** Share of the detected runs that ended with exactly one incident per injected fault (null: incidents not tracked). */
  one_incident_per_fault: number | null;
  /** Over detected runs: faults merged into another's incident, and incidents beyond one per fault (controls and silences included). */
  wrong_merges: number | null;
  splits: number | null;
  /** Share of all runs (controls included) that passed. */
  score: number;
}

const ratio = (hits: number, total: number) => (total === 0 ? null : hits / total);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export function scoreSet(runs: FinishedRun[]): SetScores {
  const faults = runs.filter((r) => !r.control);
  const silent = faults.filter((r) => r.variant?.expected === "silent");
  const detect = faults.filter((r) => r.variant?.expected !== "silent");
  const quiet = [...runs.filter((r) => r.control), ...silent];
  const detected = detect.filter((r) => r.detected);
  const tracked = [...detected, ...quiet];
  // A run whose tickets were never grouped into incidents: this build does not track them.
  const untracked = runs.some((r) => r.incidents === null);
  const exact = detected.filter((r) => r.incidents !== null && r.incidents.count === r.incidents.expected);
  return {
    runs: runs.length,
    expected_detect: detect.length,
    detection_recall: ratio(detected.length, detect.length),
    expected_silent: silent.length,
    silence_kept: ratio(silent.filter((r) => r.falsePositives === 0).length, silent.length),
    false_positives: sum(quiet.map((r) => r.falsePositives)),
    unexpected_in_fault_runs: sum(detect.map((r) => r.falsePositives)),
    right_component: ratio(detect.filter((r) => r.localizedAt === 1).length, detect.length),
    one_incident_per_fault: untracked ? null : ratio(exact.length, detected.filter((r) => r.incidents !== null).length),
    wrong_merges: untracked ? null : sum(detected.map((r) => r.incidents?.merges ?? 0)),
    splits: untracked ? null : sum(tracked.map((r) => r.incidents?.splits ?? 0)),
    score: ratio(runs.filter((r) => r.passed).length, runs.length) ?? 0,
  };
}

/** The base runs (scenarios as written, and controls of one) and the varied runs (variants, and controls of one). */
export function splitSets(runs: FinishedRun[]): { base: FinishedRun[]; varied: FinishedRun[] } {
  const variants = new Set(runs.filter((r) => r.variant).map((r) => r.scenario));
  const isBase = (r: FinishedRun) => (r.control ? !r.controlOf?.length || r.controlOf.some((n) => !variants.has(n)) : !r.variant);
  const isVaried = (r: FinishedRun) => (r.control ? (r.controlOf ?? []).some((n) => variants.has(n)) : Boolean(r.variant));
  return { base: runs.filter(isBase), varied: runs.filter(isVaried) };
}

/** Per engine, base and varied side by side. */
export function scoreVaried(runs: FinishedRun[]): Record<string, { base: SetScores; varied: SetScores }> {
  const out: Record<string, { base: SetScores; varied: SetScores }> = {};
  for (const [engine, rs] of Map.groupBy(runs, (r) => r.engine)) {
    const { base, varied } = splitSets(rs);
    out[engine] = { base: scoreSet(base), varied: scoreSet(varied) };
  }
  return out;
}
