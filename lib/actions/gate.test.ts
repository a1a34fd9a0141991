import { describe, expect, test } from "bun:test";
import { decide, type GateInput } from "./gate.ts";
import { verificationOutcome } from "./verification.ts";

const base: GateInput = { kind: "action", risk: "low", status: "proposed", mode: "execute", autoApprove: "none" };

describe("the gate", () => {
  test("observe mode never runs an action, approved or not", () => {
    expect(decide({ ...base, mode: "observe", status: "approved" }).verdict).toBe("wait");
    expect(decide({ ...base, mode: "observe", autoApprove: "medium" }).verdict).toBe("wait");
  });

  test("tools run in any mode", () => {
    expect(decide({ ...base, kind: "tool", mode: "observe" }).verdict).toBe("run");
  });

  test("execute mode runs what a person approved, whatever its risk", () => {
    expect(decide({ ...base, status: "approved", risk: "high" }).verdict).toBe("run");
  });

  test("--auto-approve covers its level and below, never high", () => {
    const verdicts = (["low", "medium", "high"] as const).map((risk) =>
      (["none", "low", "medium"] as const).map((autoApprove) => decide({ ...base, risk, autoApprove }).verdict),
    );
    expect(verdicts).toEqual([
      ["wait", "auto_approve", "auto_approve"],
      ["wait", "wait", "auto_approve"],
      ["wait", "wait", "wait"],
    ]);
  });

  test("finished, running or refused actions are closed", () => {
    for (const status of ["executing", "succeeded", "failed", "rejected", "cancelled", "needs_review"] as const) {
      expect(decide({ ...base, status, autoApprove: "medium" }).verdict).toBe("closed");
    }
  });
});

describe("verification", () => {
  test("cleared is verified, held past the deadline is not, before it is pending", () => {
    expect(verificationOutcome({ stillViolated: false, now: 5, verifyBy: 10 })).toBe("verified");
    expect(verificationOutcome({ stillViolated: true, now: 5, verifyBy: 10 })).toBe("pending");
    expect(verificationOutcome({ stillViolated: true, now: 10, verifyBy: 10 })).toBe("not_verified");
  });
});
