import { expect, test } from "bun:test";
import { rankOf, spreadOf, summarize, type RunOutcome } from "./score.ts";

const run = (over: Partial<RunOutcome>): RunOutcome => ({
  scenario: "s",
  engine: "builtin",
  repeat: 1,
  control: false,
  passed: true,
  detected: true,
  ttdMs: 1000,
  ttdMinusGraceMs: 0,
  falsePositives: 0,
  localizedAt: 1,
  diagnosisExact: true,
  mitigated: true,
  ttmMs: 2000,
  effort: { llmTurns: 0, tokens: 0, wallMs: 5 },
  ...over,
});

test("summaries count recall, localization, false positives from controls, mitigation over remedied runs, and pass^K", () => {
  const outcomes = [
    run({ scenario: "a", repeat: 1, ttdMs: 1000 }),
    run({ scenario: "a", repeat: 2, ttdMs: 3000, localizedAt: 2, diagnosisExact: false, passed: false }),
    run({ scenario: "b", ttdMs: 2000, mitigated: false, ttmMs: null, passed: false, falsePositives: 1 }),
    run({ scenario: "c", detected: false, ttdMs: null, ttdMinusGraceMs: null, localizedAt: null, diagnosisExact: false, mitigated: null, ttmMs: null, passed: false }),
    run({ scenario: "control", control: true, falsePositives: 2, detected: false, passed: false, ttdMs: null, ttdMinusGraceMs: null, localizedAt: null, diagnosisExact: false, mitigated: null, ttmMs: null }),
  ];
  const { builtin } = summarize(outcomes);
  expect({ ...builtin, by_scenario: builtin!.by_scenario.map((s) => [s.scenario, s.runs, s.passed, s.pass_all]) }).toEqual({
    runs: 5,
    score: 0.2,
    detection_recall: 0.75,
    false_positives: 2,
    unexpected_in_fault_runs: 1,
    localization_acc1: 0.5,
    localization_acc3: 0.75,
    diagnosis_exact: 0.5,
    mitigation_success: 2 / 3,
    ttd_ms_median: 2000,
    ttd_minus_grace_ms_median: 0,
    ttm_ms_median: 2000,
    ttd_ms: { mean: 2000, spread: 1000 },
    pass_k: 0,
    effort: { llm_turns: 0, tokens: 0, wall_ms: 25 },
    by_scenario: [["a", 2, 1, false], ["b", 1, 0, false], ["c", 1, 0, false], ["control", 1, 0, false]],
  });
});

test("engines are scored apart, and a scenario passes K only when every repeat passed", () => {
  const summary = summarize([
    run({ engine: "llm", repeat: 1, effort: { llmTurns: 2, tokens: 240, wallMs: 10 } }),
    run({ engine: "llm", repeat: 2, effort: { llmTurns: 3, tokens: 360, wallMs: 10 } }),
    run({ engine: "builtin", localizedAt: 3, passed: false }),
  ]);
  expect([summary.llm?.pass_k, summary.llm?.effort, summary.builtin?.pass_k, summary.builtin?.localization_acc3]).toEqual([1, { llm_turns: 5, tokens: 600, wall_ms: 20 }, 0, 1]);
});

test("spread is the sample standard deviation, zero for one value, absent for none", () => {
  expect([spreadOf([1000, 3000]), spreadOf([1500]), spreadOf([])]).toEqual([{ mean: 2000, spread: 1414 }, { mean: 1500, spread: 0 }, null]);
});

test("rankOf gives the 1-based rank of the first match", () => {
  expect([rankOf(["db", "node:b"], (n) => n === "node:b"), rankOf(["x"], (n) => n === "y")]).toEqual([2, null]);
});
