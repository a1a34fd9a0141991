// What an eval reports: one JSON document (DESIGN.md "Eval": snake_case, ratios 0..1) and the
// table a person reads on the terminal, both made from the judged runs.
import type { EvalResult, FinishedRun } from "./run-eval.ts";
import { summarize, type EngineSummary } from "./score.ts";
import { scoreSet, scoreVaried, splitSets, type SetScores } from "./vary-score.ts";
import type { SkippedVariant } from "./vary-plan.ts";

export interface EvalSummary extends EngineSummary, Pick<SetScores, "one_incident_per_fault" | "wrong_merges" | "splits"> {
  /** Diagnoses the LLM engine could not give and the built-in engine gave instead. */
  llm_fallbacks: number;
}

/** How `--vary` chose its variants, and the scores of base and varied runs side by side. */
export interface VaryDocument {
  seed: number;
  /** Variants per scenario at most (null: all). */
  sample: number | null;
  kinds: string[];
  skipped: { of: string; kind: string; change: string; reason: string }[];
  summary: Record<string, { base: SetScores; varied: SetScores }>;
}

export interface VaryPlan {
  seed: number;
  sample: number;
  kinds: readonly string[];
  skipped: SkippedVariant[];
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
  /** Per engine, over the scenarios as written (with --vary, their variants are scored under `vary`). */
  summary: Record<string, EvalSummary>;
  vary?: VaryDocument;
}

function runJson(r: FinishedRun) {
  const [first] = r.diagnoses;
  return {
    name: r.scenario,
    engine: r.engine,
    repeat: r.repeat,
    control: r.control,
    ...(r.controlOf ? { control_of: r.controlOf } : {}),
    ...(r.variant ? { variant: r.variant } : {}),
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
    incidents: r.incidents,
    effort: { llm_turns: r.effort.llmTurns, tokens: r.effort.tokens, wall_ms: r.effort.wallMs, llm_fallbacks: fallbacksOf(r) },
    state_dir: r.stateDir,
  };
}

const fallbacksOf = (r: FinishedRun) => r.diagnoses.filter((d) => d.fallback !== undefined).length;

export function evalJson(result: EvalResult, plan: { engines: string[]; repeat: number; vary?: VaryPlan }): EvalDocument {
  const { base } = splitSets(result.runs);
  const scores = summarize(base);
  const summary: Record<string, EvalSummary> = {};
  for (const [engine, s] of Object.entries(scores)) {
    const runs = base.filter((r) => r.engine === engine);
    const { one_incident_per_fault, wrong_merges, splits } = scoreSet(runs);
    summary[engine] = { ...s, one_incident_per_fault, wrong_merges, splits, llm_fallbacks: runs.reduce((n, r) => n + fallbacksOf(r), 0) };
  }
  const vary: VaryDocument | undefined = plan.vary && {
    seed: plan.vary.seed,
    sample: Number.isFinite(plan.vary.sample) ? plan.vary.sample : null,
    kinds: [...plan.vary.kinds],
    skipped: plan.vary.skipped.map((k) => ({ of: k.of, kind: k.change.kind, change: k.change.description, reason: k.reason })),
    summary: scoreVaried(result.runs),
  };
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
    ...(vary ? { vary } : {}),
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
  const faults = new Set(doc.scenarios.filter((s) => !s.control && !s.variant).map((s) => s.name)).size;
  const variants = new Set(doc.scenarios.filter((s) => s.variant).map((s) => s.name)).size;
  const controls = new Set(doc.scenarios.filter((s) => s.control).map((s) => s.name)).size;
  const header = `operator eval: ${doc.subject}, ${faults} scenarios${variants ? ` + ${variants} variants` : ""} + ${controls} controls, engine ${doc.engines.join(" and ")}, ` +
    `${doc.repeat} repeat${doc.repeat === 1 ? "" : "s"}, grace scale ${doc.grace_scale}, took ${secs(doc.took_ms)}${doc.interrupted ? " (INTERRUPTED)" : ""}`;
  const runs = [
    ["scenario", "engine", "#", "passed", "detected", "ttd", "ttd-grace", "fp", "localized", "exact", "mitigated", "ttm", "incidents", "diagnosis"],
    ...doc.scenarios.filter((s) => !s.variant).map((s) => [
      s.name, s.engine, String(s.repeat), yesNo(s.passed), s.control ? "-" : yesNo(s.detected), secs(s.ttd_ms), secs(s.ttd_minus_grace_ms), String(s.false_positives),
      s.control ? "-" : s.localized_at === null ? "NO" : `@${s.localized_at}`, s.control ? "-" : yesNo(s.diagnosis_exact), s.control ? "-" : yesNo(s.mitigated), secs(s.ttm_ms),
      incidentsCell(s.incidents), s.diagnosis ? `${s.diagnosis.component} ${s.diagnosis.fault_class}${s.diagnosis.fallback ? " (fallback)" : ""}` : "-",
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
  const varied = doc.vary ? ["", ...renderVaried(doc)] : [];
  return [header, "", table(runs, [0, 1, runs[0]!.length - 1]), "", table(engines), ...varied, ...(failures.length ? ["", "failed runs:", ...failures] : [])].join("\n");
}

type RunRow = EvalDocument["scenarios"][number];

const incidentsCell = (i: RunRow["incidents"]) => (i === null ? "-" : `${i.count}/${i.expected}`);
const share = (r: number | null) => (r === null ? "-" : pct(r));

/** What a fault run showed: the expected tickets, tickets nobody expected, or nothing. */
const shown = (s: RunRow) => (s.detected ? "detected" : s.false_positives > 0 || s.unexpected.length > 0 ? "tickets" : "silent");

/** `--vary`: each scenario beside its variants, then base and varied scores side by side per engine. */
function renderVaried(doc: EvalDocument): string[] {
  const vary = doc.vary!;
  const faults = doc.scenarios.filter((s) => !s.control);
  const rows = [["scenario", "engine", "expected", "shown", "passed", "fp", "component", "incidents", "why expected"]];
  for (const base of faults.filter((s) => !s.variant)) {
    const row = (s: RunRow, name: string, expected: string, why: string) =>
      [name, s.engine, expected, shown(s), yesNo(s.passed), String(s.false_positives), s.diagnosis?.component ?? "-", incidentsCell(s.incidents), why];
    rows.push(row(base, base.name, "detect", "as written"));
    for (const v of faults.filter((s) => s.variant?.of === base.name && s.engine === base.engine && s.repeat === base.repeat)) {
      rows.push(row(v, `  @${v.name.slice(base.name.length + 1)}`, v.variant!.expected, v.variant!.reason));
    }
  }
  const metrics: [string, (s: SetScores) => string][] = [
    ["runs (controls included)", (s) => String(s.runs)],
    ["detection recall", (s) => `${share(s.detection_recall)} of ${s.expected_detect}`],
    ["silence kept", (s) => `${share(s.silence_kept)} of ${s.expected_silent}`],
    ["false positives", (s) => String(s.false_positives)],
    ["unexpected in fault runs", (s) => String(s.unexpected_in_fault_runs)],
    ["right component", (s) => share(s.right_component)],
    ["one incident per fault", (s) => share(s.one_incident_per_fault)],
    ["wrong merges / splits", (s) => (s.wrong_merges === null ? "-" : `${s.wrong_merges} / ${s.splits}`)],
    ["score", (s) => pct(s.score)],
  ];
  const sides = Object.entries(vary.summary).flatMap(([engine, { base, varied }]) => [
    "",
    table([[`${engine}`, "base", "varied"], ...metrics.map(([name, f]) => [name, f(base), f(varied)])]),
  ]);
  const skipped = vary.skipped.map((k) => `  ${k.of}: ${k.change}: ${k.reason}`);
  return [
    `varied (seed ${vary.seed}, ${vary.sample === null ? "every variant" : `at most ${vary.sample} per scenario`}, kinds ${vary.kinds.join(", ")}):`,
    table(rows, [0, 1, 2, 3, rows[0]!.length - 1]),
    ...sides,
    ...(skipped.length ? ["", "variants not run (expectation not computable from thresholds):", ...skipped] : []),
  ];
}
