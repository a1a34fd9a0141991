import { expect, test } from "bun:test";
import { belowMinScore, evalJson, renderEval } from "./eval-report.ts";
import type { FinishedRun } from "./run-eval.ts";

const run = (over: Partial<FinishedRun>): FinishedRun => ({
  scenario: "node-kill", engine: "builtin", repeat: 1, control: false, passed: true, detected: true, ttdMs: 2_900, ttdMinusGraceMs: 1_700, falsePositives: 0,
  localizedAt: 1, diagnosisExact: true, mitigated: true, ttmMs: 2_000, effort: { llmTurns: 0, tokens: 0, wallMs: 12_000 },
  detections: [], unexpected: [], stateDir: "/tmp/e/002-node-kill-builtin-1", incidents: null,
  diagnoses: [{ ticketId: 1, at: 0, engine: "builtin", component: "node:b", faultClass: "process_down", alternatives: [], tookMs: 1 }],
  ...over,
});

const result = (runs: FinishedRun[]) => ({ subject: "shop", graceScale: 0.2, runs, interrupted: false, startedAt: 0, tookMs: 30_000 });

test("--min-score names the engines whose share of passed runs is below it", () => {
  const doc = evalJson(result([run({}), run({ engine: "llm" }), run({ engine: "llm", scenario: "hot-key", passed: false })]), { engines: ["builtin", "llm"], repeat: 1 });
  expect([belowMinScore(doc, 1), belowMinScore(doc, 0.5)]).toEqual([[{ engine: "llm", score: 0.5 }], []]);
});

test("the terminal table: one row per run, the engines' figures, and why a run failed with where its state is", () => {
  const control = run({ scenario: "control", control: true, detected: false, ttdMs: null, ttdMinusGraceMs: null, localizedAt: null, diagnosisExact: false, mitigated: null, ttmMs: null, diagnoses: [] });
  const failed = run({ scenario: "hot-key", passed: false, failure: "a ticket hot_key on key:hot-key did not come within 25 s", detected: false, stateDir: "/tmp/e/003" });
  const text = renderEval(evalJson(result([control, run({}), failed]), { engines: ["builtin"], repeat: 1 }));
  const lines = text.split("\n");
  expect(lines[0]).toBe("operator eval: shop, 2 scenarios + 1 controls, engine builtin, 1 repeat, grace scale 0.2, took 30.0s");
  expect(lines.find((l) => l.startsWith("node-kill"))!.split(/\s+/)).toEqual(["node-kill", "builtin", "1", "yes", "yes", "2.9s", "1.7s", "0", "@1", "yes", "yes", "2.0s", "-", "node:b", "process_down"]);
  expect(lines.find((l) => l.startsWith("builtin"))!.split(/\s+/).slice(0, 5)).toEqual(["builtin", "3", "67%", "50%", "0"]);
  expect(lines.at(-1)).toBe("  hot-key (builtin, repeat 1): a ticket hot_key on key:hot-key did not come within 25 s [/tmp/e/003]");
});
