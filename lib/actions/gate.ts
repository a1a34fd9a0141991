// The gate: may this action run now? A pure function of the mode, the action and what a person
// allowed, so the safety model reads in one place and is tested without a clock or a database.
import type { Risk } from "../subject/subject.ts";
import type { ActionStatus } from "./action-store.ts";
import type { Mode } from "./settings.ts";

/** What `--auto-approve` may name: high risk is never approved by a machine. */
export const AUTO_APPROVE_LEVELS = ["none", "low", "medium"] as const;
export type AutoApprove = (typeof AUTO_APPROVE_LEVELS)[number];

const RANK: Record<Risk, number> = { low: 1, medium: 2, high: 3 };
const CEILING: Record<AutoApprove, number> = { none: 0, low: 1, medium: 2 };

export interface GateInput {
  kind: "action" | "tool";
  risk: Risk;
  status: ActionStatus;
  mode: Mode;
  autoApprove: AutoApprove;
}

export type GateDecision =
  /** Run it now (it is approved, or a read-only tool). */
  | { verdict: "run"; reason: string }
  /** Approve it on the gate's authority (risk within --auto-approve), then run it. */
  | { verdict: "auto_approve"; reason: string }
  /** Leave it as it is: a person must act, or the mode forbids running. */
  | { verdict: "wait"; reason: string }
  /** It is past deciding (running, finished, refused). */
  | { verdict: "closed"; reason: string };

export function decide(input: GateInput): GateDecision {
  if (input.kind === "tool") return { verdict: "run", reason: "read-only tools run in any mode" };
  if (input.status !== "proposed" && input.status !== "approved") {
    return { verdict: "closed", reason: `the action is ${input.status}` };
  }
  if (input.mode === "observe") {
    return { verdict: "wait", reason: "observe mode: actions are proposed, never run (operator mode execute)" };
  }
  if (input.status === "approved") return { verdict: "run", reason: "approved, execute mode" };
  if (input.risk === "high") {
    return { verdict: "wait", reason: "high risk always waits for a person: operator actions approve ID" };
  }
  if (RANK[input.risk] <= CEILING[input.autoApprove]) {
    return { verdict: "auto_approve", reason: `${input.risk} risk is within --auto-approve ${input.autoApprove}` };
  }
  return { verdict: "wait", reason: `${input.risk} risk waits for a person: operator actions approve ID` };
}
