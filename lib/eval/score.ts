// Eval scoring: pure functions from run outcomes to per-engine summaries. No LLM judge: exact
// matches on components and fault classes.

/** What one run of one scenario with one engine produced. */
export interface RunOutcome {
  scenario: string;
  engine: string;
  repeat: number;
  /** A control run has no fault: every ticket it opened is a false positive. */
  control: boolean;
  detected: boolean;
  /** Injection → first expected `ticket_opened`, ms; null when not detected. */
  ttdMs: number | null;
  /** The same minus the invariants' grace, ms. */
  ttdMinusGraceMs: number | null;
  /** Tickets that no expected detection explains. */
  falsePositives: number;
  /** 1-based rank of the expected component among the diagnosis's root cause and alternatives. */
  localizedAt: number | null;
  diagnosisExact: boolean;
  mitigated: boolean;
  /** Approval → all clear, ms. */
  ttmMs: number | null;
  effort: { llmTurns: number; tokens: number; wallMs: number };
}

export interface EngineSummary {
  runs: number;
  detection_recall: number;
  false_positives: number;
  localization_acc1: number;
  localization_acc3: number;
  diagnosis_exact: number;
  mitigation_success: number;
  ttd_ms_median: number | null;
  ttm_ms_median: number | null;
  /** Share of scenarios that passed (detected, localized at 1, exact, mitigated) in all K repeats. */
  pass_k: number;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ratio = (hits: number, total: number) => (total === 0 ? 0 : hits / total);

export const isPassed = (o: RunOutcome) => o.detected && o.localizedAt === 1 && o.diagnosisExact && o.mitigated;

export function summarize(outcomes: RunOutcome[]): Record<string, EngineSummary> {
  const byEngine = Map.groupBy(outcomes, (o) => o.engine);
  const summary: Record<string, EngineSummary> = {};
  for (const [engine, runs] of byEngine) {
    const faults = runs.filter((o) => !o.control);
    const scenarios = Map.groupBy(faults, (o) => o.scenario);
    summary[engine] = {
      runs: runs.length,
      detection_recall: ratio(faults.filter((o) => o.detected).length, faults.length),
      false_positives: runs.filter((o) => o.control).reduce((sum, o) => sum + o.falsePositives, 0),
      localization_acc1: ratio(faults.filter((o) => o.localizedAt === 1).length, faults.length),
      localization_acc3: ratio(faults.filter((o) => o.localizedAt !== null && o.localizedAt <= 3).length, faults.length),
      diagnosis_exact: ratio(faults.filter((o) => o.diagnosisExact).length, faults.length),
      mitigation_success: ratio(faults.filter((o) => o.mitigated).length, faults.length),
      ttd_ms_median: median(faults.flatMap((o) => (o.ttdMs === null ? [] : [o.ttdMs]))),
      ttm_ms_median: median(faults.flatMap((o) => (o.ttmMs === null ? [] : [o.ttmMs]))),
      pass_k: ratio([...scenarios.values()].filter((rs) => rs.every(isPassed)).length, scenarios.size),
    };
  }
  return summary;
}

/** Rank (1-based) of the first name that matches, or null: Acc@k is `rank <= k`. */
export function rankOf(names: string[], matches: (name: string) => boolean): number | null {
  const index = names.findIndex(matches);
  return index < 0 ? null : index + 1;
}
