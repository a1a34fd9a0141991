import { expect, test } from "bun:test";
import { rankOf, summarize, type RunOutcome } from "./score.ts";

const run = (over: Partial<RunOutcome>): RunOutcome => ({
  scenario: "s",
  engine: "builtin",
  repeat: 1,
  control: false,
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

test("summaries count recall, localization, false positives from controls and pass^K", () => {
  const outcomes = [
    run({ scenario: "a", repeat: 1, ttdMs: 1000 }),
    run({ scenario: "a", repeat: 2, ttdMs: 3000, localizedAt: 2, diagnosisExact: false }),
    run({ scenario: "b", ttdMs: 2000, mitigated: false, ttmMs: null }),
    run({ scenario: "c", detected: false, ttdMs: null, localizedAt: null, diagnosisExact: false, mitigated: false, ttmMs: null }),
    run({ scenario: "control", control: true, falsePositives: 2, detected: false }),
  ];
  expect(summarize(outcomes)).toEqual({
    builtin: {
      runs: 5,
      detection_recall: 0.75,
      false_positives: 2,
      localization_acc1: 0.5,
      localization_acc3: 0.75,
      diagnosis_exact: 0.5,
      mitigation_success: 0.5,
      ttd_ms_median: 2000,
      ttm_ms_median: 2000,
      pass_k: 0,
    },
  });
});

test("engines are scored apart, and a scenario passes K only when every repeat passed", () => {
  const summary = summarize([run({ engine: "llm", repeat: 1 }), run({ engine: "llm", repeat: 2 }), run({ engine: "builtin", localizedAt: 3 })]);
  expect([summary.llm?.pass_k, summary.builtin?.pass_k, summary.builtin?.localization_acc3]).toEqual([1, 0, 1]);
});

test("rankOf gives the 1-based rank of the first match", () => {
  expect([rankOf(["db", "node:b"], (n) => n === "node:b"), rankOf(["x"], (n) => n === "y")]).toEqual([2, null]);
});
