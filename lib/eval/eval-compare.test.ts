import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareEvals, readSavedEval, renderComparison } from "./eval-compare.ts";

const doc = (score: number, passed: boolean[]) => ({
  subject: "shop",
  scenarios: passed.map((p, i) => ({ name: `s${i}`, engine: "builtin", repeat: 1, passed: p, ...(p ? {} : { failure: `s${i} broke` }) })),
  summary: { builtin: { score, detection_recall: 1, false_positives: 0, ttd_ms_median: 2_000, localization_acc1: score } },
});

test("two saved evals: each engine's figures with their change, the runs whose verdict changed, and whether a score dropped", () => {
  const dir = mkdtempSync(join(tmpdir(), "eval-compare-"));
  writeFileSync(join(dir, "a.json"), JSON.stringify(doc(1, [true, true])));
  writeFileSync(join(dir, "b.json"), JSON.stringify(doc(0.5, [true, false])));
  const c = compareEvals("a.json", readSavedEval(join(dir, "a.json")), "b.json", readSavedEval(join(dir, "b.json")));
  expect([c.engines.builtin!.score, c.engines.builtin!.ttd_ms_median, c.engines.builtin!.mitigation_success, c.changed, c.regressed]).toEqual([
    { a: 1, b: 0.5, delta: -0.5 },
    { a: 2_000, b: 2_000, delta: 0 },
    { a: null, b: null, delta: null },
    [{ name: "s1", engine: "builtin", repeat: 1, a: true, b: false, b_failure: "s1 broke" }],
    ["builtin"],
  ]);
  expect(renderComparison(c)).toContain("s1 (builtin, repeat 1): passed → failed: s1 broke");
});

test("a file that is not an eval result is a usage error that says how to make one", () => {
  const dir = mkdtempSync(join(tmpdir(), "eval-compare-"));
  writeFileSync(join(dir, "x.json"), JSON.stringify({ subject: "shop" }));
  writeFileSync(join(dir, "y.json"), "not json");
  expect(() => readSavedEval(join(dir, "x.json"))).toThrow("is not an eval document (scenarios:");
  expect(() => readSavedEval(join(dir, "y.json"))).toThrow("is not JSON: save an eval with operator eval --save FILE");
  expect(() => readSavedEval(join(dir, "missing.json"))).toThrow("cannot read");
});
