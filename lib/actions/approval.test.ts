import { expect, test } from "bun:test";
import { join } from "node:path";
import { tempStates } from "../../test/fixtures/temp-state.ts";
import { readJournal } from "../state/journal.ts";
import type { State } from "../state/state.ts";
import { getAction, proposeAction, transitionAction } from "./action-store.ts";
import { approveAction, rejectAction, resolveReviewedAction } from "./approval.ts";
import { engageKillSwitch, setMode } from "./settings.ts";

const freshState = tempStates("operator-approval-");

const propose = (state: State, now = 1_000, ttlMs = 900_000) =>
  proposeAction(state, { subject: "demo", ticketId: 7, name: "restart", params: { node: "b" }, risk: "high", why: "node b is down", actor: "diagnosis:builtin", now, ttlMs }).record;

const refusal = (call: () => unknown) => {
  try {
    call();
  } catch (error) {
    const e = error as { status: number; code: string; message: string };
    return { status: e.status, code: e.code, message: e.message };
  }
  throw new Error("not refused");
};

test("approving a proposal past its time is refused (409) saying it expired, and records it expired", () => {
  const state = freshState();
  const action = propose(state, 1_000, 60_000);
  expect(refusal(() => approveAction(state, action.id, "alice", "late", 61_000))).toEqual({
    status: 409, code: "action_not_pending",
    message: `action ${action.id} expired at 1970-01-01T00:01:01.000Z unapproved: the system may have moved on; a running monitor proposes it again if the fault persists`,
  });
  expect(getAction(state, action.id)?.status).toBe("expired");
  expect(approveAction(state, propose(state, 100_000, 60_000).id, "alice", "in time", 159_999).status).toBe("approved");
});

test("a cancelled, rejected or already approved action is refused with who moved it and why; an unknown one is 404", () => {
  const state = freshState();
  const action = propose(state);
  approveAction(state, action.id, "alice", "yes", 2_000);
  expect(refusal(() => approveAction(state, action.id, "bob", "me too", 2_001))).toMatchObject({ status: 409, message: `action ${action.id} is already approved by alice: yes; it runs when a monitor in execute mode picks it up` });
  engageKillSwitch(state, "carol", "hands off", 3_000);
  expect(refusal(() => approveAction(state, action.id, "bob", "again", 4_000))).toMatchObject({ status: 409, message: `action ${action.id} is cancelled by carol: kill switch: hands off; only a proposed action can be approved` });
  expect(refusal(() => rejectAction(state, action.id, "bob", "no", 4_000))).toMatchObject({ status: 409 });
  expect(refusal(() => approveAction(state, 999, "bob", "x", 4_000))).toEqual({ status: 404, code: "no_such_action", message: "no action 999: see operator actions list" });
});

test("two processes approving one proposal at once: exactly one approval lands", async () => {
  const state = freshState();
  const dir = state.dir;
  const action = propose(state, Date.now());
  const approver = (who: string) => `
    import { openState } from ${JSON.stringify(join(import.meta.dir, "../state/state.ts"))};
    import { approveAction } from ${JSON.stringify(join(import.meta.dir, "approval.ts"))};
    const state = openState(${JSON.stringify(dir)});
    try { approveAction(state, ${action.id}, "${who}", "go", Date.now()); console.log("ok"); } catch (e) { console.log(e.status); }`;
  const runs = ["alice", "bob", "carol", "dave"].map((who) => Bun.spawn(["bun", "-e", approver(who)], { stdout: "pipe" }));
  const answers = await Promise.all(runs.map((p) => new Response(p.stdout).text()));
  expect(answers.map((a) => a.trim()).sort()).toEqual(["409", "409", "409", "ok"]);
  const approvals = readJournal(state, { afterId: 0, limit: 100, types: ["action_approved"] });
  expect(approvals.length).toBe(1);
});

test("every action transition, mode change and kill switch is journaled with the action's JSON", () => {
  const state = freshState();
  const a = propose(state);
  approveAction(state, a.id, "alice", "yes", 2_000);
  transitionAction(state, a.id, { to: "executing", actor: "monitor", why: "go", now: 3_000 });
  setMode(state, "execute", "alice", "window", 4_000);
  const b = proposeAction(state, { subject: "demo", ticketId: 8, name: "restart", params: { node: "c" }, risk: "high", why: "c down", actor: "t", now: 5_000 }).record;
  engageKillSwitch(state, "bob", "stop", 6_000);
  const entries = readJournal(state, { afterId: 0, limit: 100 });
  expect(entries.map((e) => [e.type, (e.payload.action as { id?: number } | undefined)?.id ?? null])).toEqual([
    ["action_proposed", a.id], ["action_approved", a.id], ["action_executing", a.id], ["mode_changed", null],
    ["action_proposed", b.id], ["action_cancelled", b.id], ["kill_switch", null],
  ]);
  expect(entries[1]!.payload.action).toMatchObject({ id: a.id, status: "approved", name: "restart", params: { node: "b" }, expires_at: "1970-01-01T00:15:01.000Z" });
  expect(entries.at(-1)!.payload).toEqual({ mode: "observe", previous_mode: "execute", cancelled: [b.id], actor: "bob", why: "stop" });
});

test("an action left needs_review is closed by a person with the outcome they found; nothing else is, and its dead runner cannot finish it", () => {
  const state = freshState();
  const action = propose(state);
  approveAction(state, action.id, "alice", "go", 2_000);
  transitionAction(state, action.id, { to: "executing", actor: "monitor", why: "approved", now: 3_000, ownerPid: 999_999 });
  expect(refusal(() => resolveReviewedAction(state, action.id, "succeeded", "bob", "looked", 3_500))).toEqual({
    status: 409, code: "action_not_pending", message: `action ${action.id} is executing by monitor: approved; only an action in needs_review is resolved by a person`,
  });
  transitionAction(state, action.id, { to: "needs_review", actor: "monitor", why: "its runner died", now: 4_000 });
  // The runner that died cannot come back and finish it: only a person closes a needs_review action.
  expect(transitionAction(state, action.id, { to: "succeeded", from: ["executing"], actor: "monitor", why: "late", now: 4_500 })).toBeUndefined();
  const closed = resolveReviewedAction(state, action.id, "failed", "bob", "node b was never restarted", 5_000);
  expect({ status: closed.status, result: closed.result }).toEqual({
    status: "failed", result: { ok: false, message: "closed after review by bob: node b was never restarted", retryable: false },
  });
  expect(refusal(() => resolveReviewedAction(state, action.id, "succeeded", "bob", "again", 6_000)).status).toBe(409);
  expect(refusal(() => resolveReviewedAction(state, 999, "succeeded", "bob", "?", 6_000))).toMatchObject({ status: 404, code: "no_such_action" });
  expect(readJournal(state, { afterId: 0, limit: 50 }).map((e) => e.type).slice(-2)).toEqual(["action_needs_review", "action_failed"]);
});
