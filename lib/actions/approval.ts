// A person's decisions on a proposed action: approve or reject, with why. Errors say what to fix.
import { usageError } from "../errors.ts";
import type { State } from "../state.ts";
import { getAction, PENDING_STATUSES, transitionAction, type ActionRecord } from "./action-store.ts";

function pendingAction(state: State, id: number, verb: string): ActionRecord {
  const action = getAction(state, id);
  if (!action) throw usageError("no_such_action", `no action ${id}: see operator actions list`);
  if (verb === "approve" && action.status === "approved") {
    throw usageError("action_not_pending", `action ${id} is already approved: it runs when a monitor in execute mode picks it up`);
  }
  if (!PENDING_STATUSES.includes(action.status)) {
    throw usageError("action_not_pending", `action ${id} is ${action.status}, not pending: only proposed actions can be ${verb === "approve" ? "approved" : "rejected"} (see operator actions list --status pending)`);
  }
  return action;
}

export function approveAction(state: State, id: number, actor: string, why: string, now: number): ActionRecord {
  pendingAction(state, id, "approve");
  const moved = transitionAction(state, id, { to: "approved", actor, why, now });
  if (!moved) throw usageError("action_not_pending", `action ${id} changed while approving it: see operator actions show ${id}`);
  return moved;
}

export function rejectAction(state: State, id: number, actor: string, why: string, now: number): ActionRecord {
  pendingAction(state, id, "reject");
  const moved = transitionAction(state, id, { to: "rejected", actor, why, now });
  if (!moved) throw usageError("action_not_pending", `action ${id} changed while rejecting it: see operator actions show ${id}`);
  return moved;
}

/** `12` → 12, or a usage error naming the argument. */
export function parseActionId(text: string | undefined): number {
  if (!text || !/^\d+$/.test(text.trim())) throw usageError("invalid_argument", `action ID ${JSON.stringify(text ?? "")} is not a number: see operator actions list`);
  return Number(text);
}
