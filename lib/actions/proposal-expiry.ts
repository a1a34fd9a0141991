// Proposals expire: one left unapproved past its time is closed as `expired`, by the monitor each
// cycle and by anyone who tries to approve it late, so a late approval never acts on old evidence.
import type { State } from "../state/state.ts";
import { listActions, transitionAction, type ActionRecord } from "./action-store.ts";

export const EXPIRY_ACTOR = "expiry";

/** Is this proposal past its time at `now`? Only a proposal expires: an approval already given stands. */
export const isExpired = (action: Pick<ActionRecord, "status" | "expiresAt">, now: number) =>
  action.status === "proposed" && action.expiresAt !== null && now >= action.expiresAt;

const why = (action: ActionRecord) => `not approved within ${Math.round(((action.expiresAt ?? action.createdAt) - action.createdAt) / 1000)} s of being proposed`;

/** The action as it stands at `now`: expired (recorded, audited, journaled) if it was due. */
export function expireIfDue(state: State, action: ActionRecord, now: number): ActionRecord {
  if (!isExpired(action, now)) return action;
  return transitionAction(state, action.id, { to: "expired", actor: EXPIRY_ACTOR, why: why(action), now }) ?? action;
}

/** Expires every due proposal of `subject`; returns those it expired. */
export function expireProposals(state: State, subject: string, now: number): ActionRecord[] {
  return listActions(state, { subject, statuses: ["proposed"] })
    .filter((a) => isExpired(a, now))
    .flatMap((a) => {
      const moved = expireIfDue(state, a, now);
      return moved.status === "expired" ? [moved] : [];
    });
}
