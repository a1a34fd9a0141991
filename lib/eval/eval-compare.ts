// `eval compare A B`: two saved eval documents side by side: each engine's figures then and now,
// and the scenarios whose verdict changed. B regressed when an engine's score dropped.
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { usageError } from "../cli/errors.ts";
import { table } from "./eval-report.ts";

const Figure = v.nullable(v.number());
const SavedEval = v.object({
  subject: v.string(),
  scenarios: v.array(v.object({ name: v.string(), engine: v.string(), repeat: v.number(), passed: v.boolean(), failure: v.optional(v.string()) })),
  summary: v.record(v.string(), v.record(v.string(), v.unknown())),
});
type SavedEval = v.InferOutput<typeof SavedEval>;

/** The figures compared, and whether more is better. */
const METRICS: [string, "higher" | "lower"][] = [
  ["score", "higher"], ["detection_recall", "higher"], ["false_positives", "lower"], ["localization_acc1", "higher"], ["localization_acc3", "higher"],
  ["diagnosis_exact", "higher"], ["mitigation_success", "higher"], ["ttd_ms_median", "lower"], ["ttd_minus_grace_ms_median", "lower"], ["ttm_ms_median", "lower"], ["pass_k", "higher"],
];

export interface Comparison {
  a: { file: string; subject: string };
  b: { file: string; subject: string };
  engines: Record<string, Record<string, { a: number | null; b: number | null; delta: number | null }>>;
  /** Scenario runs (name, engine, repeat) whose verdict differs, or that only one side has. */
  changed: { name: string; engine: string; repeat: number; a: boolean | null; b: boolean | null; b_failure?: string }[];
  /** Engines whose score is lower in B. */
  regressed: string[];
}

export function readSavedEval(file: string): SavedEval {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw usageError("unreadable_file", `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (save one with operator eval --save FILE)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw usageError("not_an_eval", `${file} is not JSON: save an eval with operator eval --save FILE (or --json > FILE)`);
  }
  const result = v.safeParse(SavedEval, parsed);
  if (!result.success) throw usageError("not_an_eval", `${file} is not an eval document (${v.getDotPath(result.issues[0]) ?? "top level"}: ${result.issues[0].message}): save one with operator eval --save FILE`);
  return result.output;
}

const figureOf = (summary: Record<string, unknown> | undefined, metric: string): number | null => {
  const value = v.safeParse(Figure, summary?.[metric]);
  return value.success ? value.output : null;
};

export function compareEvals(fileA: string, a: SavedEval, fileB: string, b: SavedEval): Comparison {
  const engines: Comparison["engines"] = {};
  const regressed: string[] = [];
  for (const engine of [...new Set([...Object.keys(a.summary), ...Object.keys(b.summary)])]) {
    engines[engine] = Object.fromEntries(METRICS.map(([metric]) => {
      const [x, y] = [figureOf(a.summary[engine], metric), figureOf(b.summary[engine], metric)];
      return [metric, { a: x, b: y, delta: x === null || y === null ? null : Math.round((y - x) * 1000) / 1000 }];
    }));
    const score = engines[engine]!.score!;
    if (score.a !== null && score.b !== null && score.b < score.a) regressed.push(engine);
  }
  const id = (s: { name: string; engine: string; repeat: number }) => `${s.name}\u0000${s.engine}\u0000${s.repeat}`;
  const before = new Map(a.scenarios.map((s) => [id(s), s]));
  const after = new Map(b.scenarios.map((s) => [id(s), s]));
  const changed: Comparison["changed"] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const [x, y] = [before.get(key), after.get(key)];
    if (x && y && x.passed === y.passed) continue;
    const s = (y ?? x)!;
    changed.push({ name: s.name, engine: s.engine, repeat: s.repeat, a: x?.passed ?? null, b: y?.passed ?? null, ...(y?.failure ? { b_failure: y.failure } : {}) });
  }
  return { a: { file: fileA, subject: a.subject }, b: { file: fileB, subject: b.subject }, engines, changed, regressed };
}

const show = (metric: string, value: number | null) =>
  value === null ? "-" : metric.endsWith("_ms_median") ? `${(value / 1000).toFixed(1)}s` : metric === "false_positives" ? String(value) : `${Math.round(value * 100)}%`;

export function renderComparison(c: Comparison): string {
  const lines = [`A ${c.a.file} (${c.a.subject})  →  B ${c.b.file} (${c.b.subject})`];
  for (const [engine, metrics] of Object.entries(c.engines)) {
    lines.push("", table([
      [engine, "A", "B", "change"],
      ...Object.entries(metrics).map(([metric, f]) => [metric, show(metric, f.a), show(metric, f.b), f.delta === null || f.delta === 0 ? "" : `${f.delta > 0 ? "+" : ""}${show(metric, f.delta)}`]),
    ]));
  }
  const verdict = (p: boolean | null) => (p === null ? "absent" : p ? "passed" : "failed");
  lines.push("", c.changed.length ? "changed verdicts:" : "no scenario changed its verdict");
  for (const s of c.changed) lines.push(`  ${s.name} (${s.engine}, repeat ${s.repeat}): ${verdict(s.a)} → ${verdict(s.b)}${s.b_failure ? `: ${s.b_failure}` : ""}`);
  if (c.regressed.length) lines.push("", `regressed: the score of ${c.regressed.join(", ")} is lower in B`);
  return lines.join("\n");
}
