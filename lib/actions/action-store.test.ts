import { expect, test } from "bun:test";
import { tempStates } from "../../test/fixtures/temp-state.ts";
import { getAction, listActions, proposeAction, recordVerification, transitionAction } from "./action-store.ts";
import { listAudit } from "./audit-log.ts";
import { engageKillSwitch, getMode, setMode } from "./settings.ts";

const freshState = tempStates("operator-actions-");

const proposal = { subject: "demo", ticketId: 7, name: "restart", params: { node: "b" }, risk: "high" as const, why: "node b is down", actor: "diagnosis:builtin", now: 1000 };

test("a proposal is recorded once per ticket, action and params while it is pending", () => {
  const state = freshState();
  const first = proposeAction(state, proposal);
  const again = proposeAction(state, { ...proposal, now: 2000 });
  const other = proposeAction(state, { ...proposal, params: { node: "c" } });
  expect([first.created, again.created, other.created]).toEqual([true, false, true]);
  expect(again.record.id).toBe(first.record.id);
  expect(listActions(state).map((a) => [a.id, a.status, a.params])).toEqual([
    [first.record.id, "proposed", { node: "b" }],
    [other.record.id, "proposed", { node: "c" }],
  ]);
});

test("each transition follows the lifecycle and leaves one audit entry with who and why", () => {
  const state = freshState();
  const { record } = proposeAction(state, proposal);
  expect(transitionAction(state, record.id, { to: "executing", actor: "monitor", why: "x", now: 1500 })).toBeUndefined();
  transitionAction(state, record.id, { to: "approved", actor: "alice", why: "looks right", now: 2000 });
  transitionAction(state, record.id, { to: "executing", actor: "monitor", why: "approved", now: 3000, ownerPid: 42 });
  const done = transitionAction(state, record.id, {
    to: "succeeded", actor: "monitor", why: "done", now: 4000,
    result: { ok: true, message: "done", retryable: false }, verification: "pending", verifyBy: 9000,
  });
  expect(done).toMatchObject({ status: "succeeded", verification: "pending", verifyBy: 9000, ownerPid: 42 });
  expect(transitionAction(state, record.id, { to: "approved", actor: "alice", why: "again", now: 5000 })).toBeUndefined();
  recordVerification(state, record.id, "verified", "monitor", "violation cleared", 6000);
  expect(getAction(state, record.id)?.verification).toBe("verified");
  expect(listAudit(state, { entity: "action" }).map((e) => [e.actor, e.event, e.fromState, e.toState, e.why])).toEqual([
    ["diagnosis:builtin", "proposed", null, "proposed", "node b is down"],
    ["alice", "approved", "proposed", "approved", "looks right"],
    ["monitor", "executing", "approved", "executing", "approved"],
    ["monitor", "succeeded", "executing", "succeeded", "done"],
    ["monitor", "verified", "pending", "verified", "violation cleared"],
  ]);
});

test("the mode defaults to observe, persists, and is audited", () => {
  const state = freshState();
  expect(getMode(state).mode).toBe("observe");
  expect(setMode(state, "execute", "alice", "maintenance window", 10)).toBe("observe");
  expect(getMode(state)).toEqual({ mode: "execute", updatedAt: 10, updatedBy: "alice" });
  expect(listAudit(state, { entity: "mode" }).map((e) => [e.event, e.fromState, e.toState, e.actor])).toEqual([["mode_set", "observe", "execute", "alice"]]);
});

test("the kill switch cancels every pending action and sets observe, leaving finished ones alone", () => {
  const state = freshState();
  setMode(state, "execute", "alice", "go", 1);
  const a = proposeAction(state, proposal).record;
  const b = proposeAction(state, { ...proposal, params: { node: "c" } }).record;
  const c = proposeAction(state, { ...proposal, params: { node: "d" } }).record;
  transitionAction(state, b.id, { to: "approved", actor: "alice", why: "ok", now: 2 });
  transitionAction(state, c.id, { to: "rejected", actor: "alice", why: "no", now: 2 });
  const outcome = engageKillSwitch(state, "bob", "it is going wrong", 3);
  expect(outcome.previousMode).toBe("execute");
  expect(outcome.cancelled.map((x) => x.id)).toEqual([a.id, b.id]);
  expect(getMode(state).mode).toBe("observe");
  expect(listActions(state).map((x) => x.status)).toEqual(["cancelled", "cancelled", "rejected"]);
  expect(listAudit(state).slice(-3).map((e) => [e.entity, e.event, e.why])).toEqual([
    ["action", "cancelled", "kill switch: it is going wrong"],
    ["action", "cancelled", "kill switch: it is going wrong"],
    ["mode", "kill_switch", "it is going wrong"],
  ]);
});
