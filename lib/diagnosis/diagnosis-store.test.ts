import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openState } from "../state/state.ts";
import type { Diagnosis } from "./diagnosis.ts";
import { latestDiagnosis, listDiagnoses, saveDiagnosis } from "./diagnosis-store.ts";

test("diagnoses are kept per ticket, survive a reopen, and read back as they were written", () => {
  const dir = mkdtempSync(join(tmpdir(), "operator-diagnoses-"));
  try {
    const first: Diagnosis = {
      ticketId: 4, engine: "builtin", rootCause: { component: "node:b", summary: "down", confidence: 0.9 }, faultClass: "process_down",
      evidence: ["refused"], alternatives: [{ component: "cluster", faultClass: "x", summary: "y", confidence: 0.2, whyRuledOut: "z" }],
      recommendedActions: [{ name: "restart", params: { node: "b" }, why: "w" }], tookMs: 3,
    };
    const second: Diagnosis = { ...first, engine: "llm", model: "m", fallback: undefined, tookMs: 900 };
    let state = openState(dir);
    saveDiagnosis(state, first, 10);
    saveDiagnosis(state, { ...first, ticketId: 5 }, 11);
    saveDiagnosis(state, second, 12);
    state.close();
    state = openState(dir);
    expect(listDiagnoses(state, 4).map((s) => s.diagnosis)).toEqual([first, { ...first, engine: "llm", model: "m", tookMs: 900 }]);
    expect(latestDiagnosis(state, 4)?.createdAt).toBe(12);
    expect(latestDiagnosis(state, 999)).toBeUndefined();
    state.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
