// Eval scoring: pure functions from run outcomes to per-engine summaries. No LLM judge: exact
// matches on components and fault classes.

/** What one run of one scenario with one engine produced. */
export interface RunOutcome {
  scenario: string;
  engine: string;
  repeat: number;
  /** A control run has no fault: every ticket it opened is a false positive. */
  control: boolean;
  /** The runner's verdict: every step of the scenario held (for a control: no ticket at all). */
  passed: boolean;
  detected: boolean;
  /** Injection → first expected `ticket_opened`, ms; null when not detected. */
  ttdMs: number | null;
  /** The same minus the grace (scaled) of that ticket's invariant, ms. */
  ttdMinusGraceMs: number | null;
  /** Tickets that no expected detection explains and nothing tolerates. */
  falsePositives: number;
  /** 1-based rank of the expected component among the diagnosis's root cause and alternatives (the worst over components). */
  localizedAt: number | null;
  diagnosisExact: boolean;
  /** Whether the remedy cleared the fault's tickets and held; null when the scenario has no remedy to judge. */
  mitigated: boolean | null;
  /** Approval → the remedied violation verified clear, ms. */
  ttmMs: number | null;
  effort: { llmTurns: number; tokens: number; wallMs: number };
}

/** Mean and spread (sample standard deviation, 0 for one value) of some figures. */
export interface Spread {
  mean: number;
  spread: number;
}

/** One scenario over its K repeats with one engine. */
export interface ScenarioRepeats {
  scenario: string;
  control: boolean;
  runs: number;
  passed: number;
  /** Passed in every one of the K repeats. */
  pass_all: boolean;
  ttd_ms: Spread | null;
  ttm_ms: Spread | null;
}

export interface EngineSummary {
  runs: number;
  /** Share of all runs (fault runs and controls) that passed: what `--min-score` compares. */
  score: number;
  detection_recall: number;
  /** Tickets opened by the controls (no fault at all). */
  false_positives: number;
  /** Tickets opened by fault runs that their scenario neither expects nor tolerates. */
  unexpected_in_fault_runs: number;
  localization_acc1: number;
  localization_acc3: number;
  diagnosis_exact: number;
  /** Over the fault runs whose scenario has a remedy. */
  mitigation_success: number;
  ttd_ms_median: number | null;
  ttd_minus_grace_ms_median: number | null;
  ttm_ms_median: number | null;
  ttd_ms: Spread | null;
  /** Share of scenarios (controls included) that passed in all K repeats. */
  pass_k: number;
  effort: { llm_turns: number; tokens: number; wall_ms: number };
  by_scenario: ScenarioRepeats[];
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function spreadOf(values: number[]): Spread | null {
  if (values.length === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length < 2 ? 0 : values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean: Math.round(mean), spread: Math.round(Math.sqrt(variance)) };
}

const ratio = (hits: number, total: number) => (total === 0 ? 0 : hits / total);
const present = (values: (number | null)[]) => values.filter((v): v is number => v !== null);

function repeatsOf(scenario: string, runs: RunOutcome[]): ScenarioRepeats {
  return {
    scenario,
    control: runs[0]!.control,
    runs: runs.length,
    passed: runs.filter((o) => o.passed).length,
    pass_all: runs.every((o) => o.passed),
    ttd_ms: spreadOf(present(runs.map((o) => o.ttdMs))),
    ttm_ms: spreadOf(present(runs.map((o) => o.ttmMs))),
  };
}

export function summarize(outcomes: RunOutcome[]): Record<string, EngineSummary> {
  const byEngine = Map.groupBy(outcomes, (o) => o.engine);
  const summary: Record<string, EngineSummary> = {};
  for (const [engine, runs] of byEngine) {
    const faults = runs.filter((o) => !o.control);
    const remedied = faults.filter((o) => o.mitigated !== null);
    const scenarios = [...Map.groupBy(runs, (o) => o.scenario)].map(([name, rs]) => repeatsOf(name, rs));
    summary[engine] = {
      runs: runs.length,
      score: ratio(runs.filter((o) => o.passed).length, runs.length),
      detection_recall: ratio(faults.filter((o) => o.detected).length, faults.length),
      false_positives: runs.filter((o) => o.control).reduce((sum, o) => sum + o.falsePositives, 0),
      unexpected_in_fault_runs: faults.reduce((sum, o) => sum + o.falsePositives, 0),
      localization_acc1: ratio(faults.filter((o) => o.localizedAt === 1).length, faults.length),
      localization_acc3: ratio(faults.filter((o) => o.localizedAt !== null && o.localizedAt <= 3).length, faults.length),
      diagnosis_exact: ratio(faults.filter((o) => o.diagnosisExact).length, faults.length),
      mitigation_success: ratio(remedied.filter((o) => o.mitigated).length, remedied.length),
      ttd_ms_median: median(present(faults.map((o) => o.ttdMs))),
      ttd_minus_grace_ms_median: median(present(faults.map((o) => o.ttdMinusGraceMs))),
      ttm_ms_median: median(present(faults.map((o) => o.ttmMs))),
      ttd_ms: spreadOf(present(faults.map((o) => o.ttdMs))),
      pass_k: ratio(scenarios.filter((s) => s.pass_all).length, scenarios.length),
      effort: {
        llm_turns: runs.reduce((sum, o) => sum + o.effort.llmTurns, 0),
        tokens: runs.reduce((sum, o) => sum + o.effort.tokens, 0),
        wall_ms: runs.reduce((sum, o) => sum + o.effort.wallMs, 0),
      },
      by_scenario: scenarios,
    };
  }
  return summary;
}

/** Rank (1-based) of the first name that matches, or null: Acc@k is `rank <= k`. */
export function rankOf(names: string[], matches: (name: string) => boolean): number | null {
  const index = names.findIndex(matches);
  return index < 0 ? null : index + 1;
}
