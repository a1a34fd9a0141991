import { expect, test } from "bun:test";
import { shopSubject } from "../../test/fixtures/shop-subject.ts";
import { tempStates } from "../../test/fixtures/temp-state.ts";
import { listActions } from "../actions/action-store.ts";
import { OperatorError } from "../cli/errors.ts";
import type { State } from "../state/state.ts";
import { createBuiltinEngine } from "./builtin-engine.ts";
import { diagnoseTicket } from "./diagnose-ticket.ts";
import { listDiagnoses } from "./diagnosis-store.ts";

const freshState = tempStates("operator-diagnose-");

const ticket = (status: string) => ({ id: 3, invariant: "worker_down", resource: "worker:a", severity: "critical", message: "worker a does not answer", status });
const input = (state: State, status = "open", subject = shopSubject()) => ({
  state, subject, ticket: ticket(status), engine: createBuiltinEngine(), observeTimeoutMs: 1_000, signal: new AbortController().signal, now: Date.now,
});

test("an open ticket is diagnosed from a fresh observation, stored, and its recommended action proposed once", async () => {
  const state = freshState();
  const first = await diagnoseTicket(input(state));
  await diagnoseTicket(input(state));
  expect([first.diagnosis.rootCause.component, first.stillViolated, first.proposals.map((p) => [p.record.name, p.created])]).toEqual(["worker:a", true, [["restart_worker", true]]]);
  expect(listDiagnoses(state, 3)).toHaveLength(2);
  expect(listActions(state).map((a) => [a.name, a.status, a.proposedBy])).toEqual([["restart_worker", "proposed", "diagnosis:builtin"]]);
});

test("a resolved ticket is diagnosed but nothing is proposed", async () => {
  const state = freshState();
  const subject = shopSubject({ workers: [{ id: "a", healthy: true }], storeUrl: "db://h:1" });
  const outcome = await diagnoseTicket(input(state, "resolved", subject));
  expect([outcome.stillViolated, outcome.proposals]).toEqual([false, []]);
  expect(outcome.diagnosis.evidence).toContain("worker_down:worker:a no longer shows in the latest check");
});

test("a subject that cannot be observed is an unreachable error (exit 3) naming the ticket", async () => {
  const state = freshState();
  const subject = shopSubject();
  subject.observe = async () => {
    throw new Error("connection refused");
  };
  const error = await diagnoseTicket(input(state, "open", subject)).catch((e) => e);
  expect(error).toBeInstanceOf(OperatorError);
  expect([error.exitCode, error.message]).toEqual([3, "cannot observe shop to diagnose ticket 3: connection refused"]);
});
