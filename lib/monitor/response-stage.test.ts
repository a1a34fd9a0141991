import { expect, test } from "bun:test";
import { shopSubject, workerDown, type ShopSubject } from "../../test/fixtures/shop-subject.ts";
import { tempStates } from "../../test/fixtures/temp-state.ts";
import { approveAction } from "../actions/approval.ts";
import { getAction, listActions, proposeAction, transitionAction } from "../actions/action-store.ts";
import { listAudit } from "../actions/audit-log.ts";
import { engageKillSwitch, monitorCycles, setMode } from "../actions/settings.ts";
import { createBuiltinEngine } from "../diagnosis/builtin-engine.ts";
import { latestDiagnosis } from "../diagnosis/diagnosis-store.ts";
import { createResponseStage, type CycleView, type TicketView } from "./response-stage.ts";
import type { Violation } from "../subject/subject.ts";

const freshState = tempStates("operator-stage-");

function setup(autoApprove: "none" | "low" | "medium" = "none") {
  const state = freshState();
  const subject = shopSubject();
  const events: { type: string; data: Record<string, any> }[] = [];
  let now = 1_000;
  const stage = createResponseStage<ShopSubject["observation"]>({
    diagnose: true, engine: createBuiltinEngine(() => 0), autoApprove, actionTimeoutMs: 1_000, verifyWithinMs: 10_000, clock: () => now,
  });
  const ticket: TicketView = { id: 1, invariant: "worker_down", resource: "worker:a", severity: "critical", lastMessage: "worker a does not answer", lastEvidence: {} };
  const cycle = (violations: Violation[], openTickets: TicketView[] = [ticket]): CycleView<ShopSubject["observation"]> => ({
    subject, state, now, once: false, observation: subject.observation, violations, openTickets, history: [], signal: new AbortController().signal,
    emit: (type, data) => events.push({ type, data }),
  });
  const advance = (ms: number) => (now += ms);
  const types = () => events.map((e) => e.type);
  return { state, subject, events, stage, ticket, cycle, advance, types };
}

test("a new ticket is diagnosed, stored, and its recommended action proposed; observe mode runs nothing", async () => {
  const { state, subject, events, stage, ticket, cycle, types } = setup("medium");
  await stage.onTicketOpened(ticket, cycle([workerDown("a")]));
  await stage.afterCycle(cycle([workerDown("a")]));
  expect(types()).toEqual(["diagnosis", "action_proposed"]);
  expect(events[0]!.data.diagnosis).toMatchObject({ ticket_id: 1, engine: "builtin", root_cause: { component: "worker:a" }, fault_class: "process_down" });
  expect(events[1]!.data).toMatchObject({ action: { id: 1, name: "restart_worker", params: { worker: "a" }, risk: "high", status: "proposed" }, gate: "wait" });
  expect(latestDiagnosis(state, 1)?.diagnosis.rootCause.component).toBe("worker:a");
  approveAction(state, 1, "alice", "yes", 2_000);
  await stage.afterCycle(cycle([workerDown("a")]));
  expect(subject.calls).toEqual([]);
  expect(getAction(state, 1)?.status).toBe("approved");
});

test("in execute mode an approved action runs once, and is verified when the violation clears", async () => {
  const { state, subject, events, stage, ticket, cycle, advance, types } = setup();
  setMode(state, "execute", "alice", "go", 0);
  await stage.onTicketOpened(ticket, cycle([workerDown("a")]));
  await stage.afterCycle(cycle([workerDown("a")]));
  expect(subject.calls).toEqual([]);
  approveAction(state, 1, "alice", "yes", 2_000);
  await stage.afterCycle(cycle([workerDown("a")]));
  await stage.afterCycle(cycle([workerDown("a")]));
  expect(subject.calls).toEqual([{ name: "restart_worker", params: { worker: "a" } }]);
  advance(5_000);
  await stage.afterCycle(cycle([]));
  expect(types()).toEqual(["diagnosis", "action_proposed", "action_finished", "action_verified"]);
  expect(events.at(-1)!.data).toMatchObject({ verification: "verified", action: { status: "succeeded", verification: "verified" } });
  expect(listAudit(state, { entity: "action" }).map((e) => `${e.actor}:${e.event}`)).toEqual([
    "diagnosis:builtin:proposed", "alice:approved", "monitor:executing", "monitor:succeeded", "monitor:verified",
  ]);
});

test("an action whose violation still holds at the deadline is not verified", async () => {
  const { state, events, stage, ticket, cycle, advance } = setup();
  setMode(state, "execute", "alice", "go", 0);
  await stage.onTicketOpened(ticket, cycle([workerDown("a")]));
  approveAction(state, 1, "alice", "yes", 2_000);
  await stage.afterCycle(cycle([workerDown("a")]));
  advance(9_000);
  await stage.afterCycle(cycle([workerDown("a")]));
  expect(getAction(state, 1)?.verification).toBe("pending");
  advance(2_000);
  await stage.afterCycle(cycle([workerDown("a")]));
  expect(events.at(-1)!.data).toMatchObject({ verification: "not_verified" });
});

test("--auto-approve runs low risk at once in execute mode, but never high risk", async () => {
  const { state, subject, stage, cycle } = setup("medium");
  setMode(state, "execute", "alice", "go", 0);
  proposeAction(state, { subject: "shop", ticketId: 1, name: "flush_queue", params: { worker: "a" }, risk: "low", why: "w", actor: "t", now: 1 });
  proposeAction(state, { subject: "shop", ticketId: 1, name: "restart_worker", params: { worker: "a" }, risk: "high", why: "w", actor: "t", now: 1 });
  await stage.afterCycle(cycle([workerDown("a")]));
  expect(subject.calls).toEqual([{ name: "flush_queue", params: { worker: "a" } }]);
  expect(listActions(state).map((a) => a.status)).toEqual(["succeeded", "proposed"]);
  expect(listAudit(state, { entity: "action", entityId: "1" }).map((e) => `${e.actor}:${e.event}`)).toContain("gate:approved");
});

test("the kill switch cancels pending actions and the next cycle runs none of them", async () => {
  const { state, subject, stage, cycle } = setup("medium");
  setMode(state, "execute", "alice", "go", 0);
  proposeAction(state, { subject: "shop", ticketId: 1, name: "flush_queue", params: { worker: "a" }, risk: "low", why: "w", actor: "t", now: 1 });
  const { record } = proposeAction(state, { subject: "shop", ticketId: 1, name: "restart_worker", params: { worker: "a" }, risk: "high", why: "w", actor: "t", now: 1 });
  approveAction(state, record.id, "alice", "yes", 2);
  engageKillSwitch(state, "bob", "stop", 3);
  await stage.afterCycle(cycle([workerDown("a")]));
  expect(subject.calls).toEqual([]);
  expect(listActions(state).map((a) => a.status)).toEqual(["cancelled", "cancelled"]);
});

test("pending actions of a resolved ticket are cancelled, not run", async () => {
  const { state, subject, stage, cycle, types } = setup();
  setMode(state, "execute", "alice", "go", 0);
  const { record } = proposeAction(state, { subject: "shop", ticketId: 1, name: "restart_worker", params: { worker: "a" }, risk: "high", why: "w", actor: "t", now: 1 });
  approveAction(state, record.id, "alice", "yes", 2);
  await stage.afterCycle(cycle([], []));
  expect(subject.calls).toEqual([]);
  expect(getAction(state, record.id)?.status).toBe("cancelled");
  expect(types()).toEqual(["action_finished"]);
});

test("an action a dead monitor left executing is reported for review on start, and never run", async () => {
  const { state, subject, stage, cycle, events } = setup();
  setMode(state, "execute", "alice", "go", 0);
  const { record } = proposeAction(state, { subject: "shop", ticketId: 1, name: "restart_worker", params: { worker: "a" }, risk: "high", why: "w", actor: "t", now: 1 });
  approveAction(state, record.id, "alice", "yes", 2);
  transitionAction(state, record.id, { to: "executing", actor: "monitor", why: "x", now: 3, ownerPid: 2 ** 22 + 12_345 });
  await stage.afterCycle(cycle([workerDown("a")]));
  await stage.afterCycle(cycle([workerDown("a")]));
  expect(subject.calls).toEqual([]);
  expect(events.map((e) => [e.type, e.data.action?.status])).toEqual([["action_finished", "needs_review"]]);
});

test("a remote engine diagnoses in the background: the cycle goes on, and close() waits for the diagnosis", async () => {
  const { state, cycle, ticket, events } = setup();
  const gate = Promise.withResolvers<void>();
  const builtin = createBuiltinEngine(() => 0);
  const slow = { name: "llm" as const, async diagnose(request: any, signal: AbortSignal) {
    await gate.promise;
    return { ...(await builtin.diagnose(request, signal)), engine: "llm" as const, model: "m" };
  } };
  const stage = createResponseStage({ diagnose: true, engine: slow, autoApprove: "none", actionTimeoutMs: 1_000, verifyWithinMs: 1_000, clock: () => 0 });
  await stage.onTicketOpened(ticket, cycle([workerDown("a")]));
  await stage.afterCycle(cycle([workerDown("a")]));
  expect(events).toEqual([]);
  gate.resolve();
  await stage.close();
  expect(events.map((e) => e.type)).toEqual(["diagnosis", "action_proposed"]);
  expect(latestDiagnosis(state, 1)?.diagnosis.engine).toBe("llm");
});

test("an approved action whose violation cleared before it ran is cancelled with why, not run; the ticket's monitor cycle is recorded", async () => {
  const { state, subject, stage, ticket, cycle, events } = setup();
  setMode(state, "execute", "alice", "go", 0);
  const { record } = proposeAction(state, { subject: "shop", ticketId: 1, name: "restart_worker", params: { worker: "a" }, risk: "high", why: "w", actor: "t", now: 1 });
  approveAction(state, record.id, "alice", "yes", 2);
  await stage.afterCycle(cycle([], [ticket]));
  expect(subject.calls).toEqual([]);
  expect(getAction(state, record.id)?.status).toBe("cancelled");
  expect(events.map((e) => e.data.action?.status)).toEqual(["cancelled"]);
  expect(listAudit(state, { entity: "action", entityId: String(record.id) }).at(-1)).toMatchObject({ actor: "monitor", event: "cancelled", why: "worker_down:worker:a no longer holds: not run" });
  expect(monitorCycles(state)).toEqual([{ subject: "shop", pid: process.pid, at: 1_000 }]);
});

test("a proposal not approved within its time expires at the next cycle and can no longer be approved", async () => {
  const { state, stage, cycle, advance, events } = setup();
  const { record } = proposeAction(state, { subject: "shop", ticketId: 1, name: "restart_worker", params: { worker: "a" }, risk: "high", why: "w", actor: "t", now: 1_000, ttlMs: 60_000 });
  advance(59_999);
  await stage.afterCycle(cycle([workerDown("a")]));
  expect(getAction(state, record.id)?.status).toBe("proposed");
  advance(1);
  await stage.afterCycle(cycle([workerDown("a")]));
  expect(events.map((e) => [e.type, e.data.action?.status])).toEqual([["action_finished", "expired"]]);
  expect(() => approveAction(state, record.id, "alice", "late", 70_000)).toThrow(/expired/);
});

test("a failed observation shows no violation cleared: an approved action still runs", async () => {
  const { state, subject, stage, ticket, cycle } = setup();
  setMode(state, "execute", "alice", "go", 0);
  const { record } = proposeAction(state, { subject: "shop", ticketId: 1, name: "restart_worker", params: { worker: "a" }, risk: "high", why: "w", actor: "t", now: 1 });
  approveAction(state, record.id, "alice", "yes", 2);
  await stage.afterCycle({ ...cycle([], [ticket]), observation: undefined });
  expect(subject.calls).toEqual([{ name: "restart_worker", params: { worker: "a" } }]);
});
