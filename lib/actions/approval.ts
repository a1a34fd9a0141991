// A person's decisions on a proposed action: approve or reject, with why. An approval holds only
// while the proposal does: an expired, cancelled or already decided one is refused (409) saying why.
import { OperatorError, usageError } from "../cli/errors.ts";
import type { State } from "../state/state.ts";
import { getAction, transitionAction, type ActionRecord } from "./action-store.ts";
import { listAudit } from "./audit-log.ts";
import { expireIfDue } from "./proposal-expiry.ts";

const notFound = (id: number) => new OperatorError("no_such_action", `no action ${id}: see operator actions list`, 2, { status: 404 });
const conflict = (message: string) => new OperatorError("action_not_pending", message, 2, { status: 409 });

/** Why the action is where it is: the last audit entry's actor and why. */
function lastWord(state: State, id: number): string {
  const last = listAudit(state, { entity: "action", entityId: String(id), limit: 1 })[0];
  return last ? ` by ${last.actor}: ${last.why}` : "";
}

function refusal(state: State, action: ActionRecord, verb: "approve" | "reject"): OperatorError {
  const id = action.id;
  if (verb === "approve" && action.status === "approved") return conflict(`action ${id} is already approved${lastWord(state, id)}; it runs when a monitor in execute mode picks it up`);
  if (action.status === "expired") {
    return conflict(`action ${id} expired at ${new Date(action.expiresAt ?? action.updatedAt).toISOString()} unapproved: the system may have moved on; a running monitor proposes it again if the fault persists`);
  }
  return conflict(`action ${id} is ${action.status}${lastWord(state, id)}; only a proposed action can be ${verb === "approve" ? "approved" : "rejected"}`);
}

function decide(state: State, id: number, verb: "approve" | "reject", actor: string, why: string, now: number): ActionRecord {
  const found = getAction(state, id);
  if (!found) throw notFound(id);
  const action = expireIfDue(state, found, now);
  const open = verb === "approve" ? action.status === "proposed" : action.status === "proposed" || action.status === "approved";
  if (!open) throw refusal(state, action, verb);
  const moved = transitionAction(state, id, { to: verb === "approve" ? "approved" : "rejected", actor, why, now });
  // Someone else moved it between the read and the conditional update: say what they did.
  if (!moved) throw refusal(state, getAction(state, id)!, verb);
  return moved;
}

export const approveAction = (state: State, id: number, actor: string, why: string, now: number) => decide(state, id, "approve", actor, why, now);
export const rejectAction = (state: State, id: number, actor: string, why: string, now: number) => decide(state, id, "reject", actor, why, now);

export type ReviewOutcome = "succeeded" | "failed";

/**
 * Closes an action left `needs_review` (it was executing when its process died, so it may or may
 * not have run) after a person checked the system: they say whether it took effect, and why.
 */
export function resolveReviewedAction(state: State, id: number, outcome: ReviewOutcome, actor: string, why: string, now: number): ActionRecord {
  const found = getAction(state, id);
  if (!found) throw notFound(id);
  const wrongState = (a: ActionRecord) => conflict(`action ${id} is ${a.status}${lastWord(state, id)}; only an action in needs_review is resolved by a person`);
  if (found.status !== "needs_review") throw wrongState(found);
  const result = { ok: outcome === "succeeded", message: `closed after review by ${actor}: ${why}`, retryable: false };
  const moved = transitionAction(state, id, { to: outcome, from: ["needs_review"], actor, why, now, result });
  if (!moved) throw wrongState(getAction(state, id)!);
  return moved;
}

/** `12` → 12, or a usage error naming the argument. */
export function parseActionId(text: string | undefined): number {
  if (!text || !/^\d+$/.test(text.trim())) throw usageError("invalid_argument", `action ID ${JSON.stringify(text ?? "")} is not a number: see operator actions list`);
  return Number(text);
}
