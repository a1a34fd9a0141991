// What an eval reports: one JSON document (DESIGN.md "Eval": snake_case, ratios 0..1) and the
// table a person reads on the terminal, both made from the judged runs.
import type { EvalResult, FinishedRun } from "./run-eval.ts";
import { summarize, type EngineSummary } from "./score.ts";

export interface EvalSummary extends EngineSummary {
  /** Diagnoses the LLM engine could not give and the built-in engine gave instead. */
  llm_fallbacks: number;
}

export interface EvalDocument {
  subject: string;
  engines: string[];
  repeat: number;
  grace_scale: number;
  started_at: string;
  took_ms: number;
  interrupted: boolean;
  scenarios: ReturnType<typeof runJson>[];
  summary: Record<string, EvalSummary>;
}

function runJson(r: FinishedRun) {
  const [first] = r.diagnoses;
  return {
    name: r.scenario,
    engine: r.engine,
    repeat: r.repeat,
    control: r.control,
    ...(r.controlOf ? { control_of: r.controlOf } : {}),
    passed: r.passed,
    ...(r.failure ? { failure: r.failure } : {}),
    detected: r.detected,
    detections: r.detections.map((d) => ({ invariant: d.invariant, resource: d.resource, ticket_id: d.ticket?.id ?? null, ttd_ms: d.ttdMs })),
    ttd_ms: r.ttdMs,
    ttd_minus_grace_ms: r.ttdMinusGraceMs,
    false_positives: r.falsePositives,
    unexpected: r.unexpected.map((t) => ({ ticket_id: t.id, invariant: t.invariant, resource: t.resource })),
    localized_at: r.localizedAt,
    diagnosis: first ? { component: first.component, fault_class: first.faultClass, engine: first.engine, alternatives: first.alternatives, ...(first.fallback ? { fallback: first.fallback } : {}) } : null,
    diagnosis_exact: r.diagnosisExact,
    mitigated: r.mitigated,
    ttm_ms: r.ttmMs,
    effort: { llm_turns: r.effort.llmTurns, tokens: r.effort.tokens, wall_ms: r.effort.wallMs, llm_fallbacks: fallbacksOf(r) },
    state_dir: r.stateDir,
  };
}

const fallbacksOf = (r: FinishedRun) => r.diagnoses.filter((d) => d.fallback !== undefined).length;

export function evalJson(result: EvalResult, plan: { engines: string[]; repeat: number }): EvalDocument {
  const scores = summarize(result.runs);
  const summary: Record<string, EvalSummary> = {};
  for (const [engine, s] of Object.entries(scores)) {
    summary[engine] = { ...s, llm_fallbacks: result.runs.filter((r) => r.engine === engine).reduce((n, r) => n + fallbacksOf(r), 0) };
  }
  return {
    subject: result.subject,
    engines: plan.engines,
    repeat: plan.repeat,
    grace_scale: result.graceScale,
    started_at: new Date(result.startedAt).toISOString(),
    took_ms: result.tookMs,
    interrupted: result.interrupted,
    scenarios: result.runs.map(runJson),
    summary,
  };
}

/** Engines whose score is under `minScore`, with their score. */
export function belowMinScore(doc: Pick<EvalDocument, "summary">, minScore: number): { engine: string; score: number }[] {
  return Object.entries(doc.summary).filter(([, s]) => s.score < minScore).map(([engine, s]) => ({ engine, score: s.score }));
}

// ---- the terminal ---------------------------------------------------------------------------------

const secs = (ms: number | null | undefined) => (ms === null || ms === undefined ? "-" : `${(ms / 1000).toFixed(1)}s`);
const pct = (ratio: number) => `${Math.round(ratio * 100)}%`;
const yesNo = (b: boolean | null) => (b === null ? "n/a" : b ? "yes" : "NO");

/** Columns padded to their widest cell: text columns (`left`) left-aligned, figures right-aligned. */
export function table(rows: string[][], left: number[] = [0]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (left.includes(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ").trimEnd()).join("\n");
}

export function renderEval(doc: EvalDocument): string {
  const faults = new Set(doc.scenarios.filter((s) => !s.control).map((s) => s.name)).size;
  const controls = new Set(doc.scenarios.filter((s) => s.control).map((s) => s.name)).size;
  const header = `operator eval: ${doc.subject}, ${faults} scenarios + ${controls} controls, engine ${doc.engines.join(" and ")}, ` +
    `${doc.repeat} repeat${doc.repeat === 1 ? "" : "s"}, grace scale ${doc.grace_scale}, took ${secs(doc.took_ms)}${doc.interrupted ? " (INTERRUPTED)" : ""}`;
  const runs = [
    ["scenario", "engine", "#", "passed", "detected", "ttd", "ttd-grace", "fp", "localized", "exact", "mitigated", "ttm", "diagnosis"],
    ...doc.scenarios.map((s) => [
      s.name, s.engine, String(s.repeat), yesNo(s.passed), s.control ? "-" : yesNo(s.detected), secs(s.ttd_ms), secs(s.ttd_minus_grace_ms), String(s.false_positives),
      s.control ? "-" : s.localized_at === null ? "NO" : `@${s.localized_at}`, s.control ? "-" : yesNo(s.diagnosis_exact), s.control ? "-" : yesNo(s.mitigated), secs(s.ttm_ms),
      s.diagnosis ? `${s.diagnosis.component} ${s.diagnosis.fault_class}${s.diagnosis.fallback ? " (fallback)" : ""}` : "-",
    ]),
  ];
  const engines = [
    ["engine", "runs", "score", "recall", "fp", "acc@1", "acc@3", "exact", "mitigated", "ttd med", "ttd-grace med", "ttm med", "pass^k", "llm turns", "tokens"],
    ...Object.entries(doc.summary).map(([engine, s]) => [
      engine, String(s.runs), pct(s.score), pct(s.detection_recall), String(s.false_positives), pct(s.localization_acc1), pct(s.localization_acc3), pct(s.diagnosis_exact),
      pct(s.mitigation_success), secs(s.ttd_ms_median), secs(s.ttd_minus_grace_ms_median), secs(s.ttm_ms_median), pct(s.pass_k), String(s.effort.llm_turns), String(s.effort.tokens),
    ]),
  ];
  const failures = doc.scenarios.filter((s) => !s.passed).map((s) => `  ${s.name} (${s.engine}, repeat ${s.repeat}): ${s.failure ?? "failed"} [${s.state_dir}]`);
  return [header, "", table(runs, [0, 1, runs[0]!.length - 1]), "", table(engines), ...(failures.length ? ["", "failed runs:", ...failures] : [])].join("\n");
}
