import { expect, test } from "bun:test";
import * as v from "valibot";
import { tempStates } from "../../test/fixtures/temp-state.ts";
import type { State } from "../state/state.ts";
import type { ActionDefinition, ActionResult } from "../subject/subject.ts";
import { reviewInterrupted, runApprovedAction, type ActingSubject } from "./action-runner.ts";
import { getAction, proposeAction, transitionAction } from "./action-store.ts";

const freshState = tempStates("operator-runner-");

const definitions: ActionDefinition[] = [
  { name: "restart", description: "restart a worker", params: v.object({ node: v.string() }), risk: "high", kind: "action" },
  { name: "hang", description: "never returns", params: v.object({}), risk: "low", kind: "action" },
];

function demoSubject() {
  const calls: { name: string; params: unknown }[] = [];
  const subject: ActingSubject = {
    name: "demo",
    actions: () => definitions,
    async execute(name, params, signal): Promise<ActionResult> {
      calls.push({ name, params });
      if (name === "hang") await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      return { ok: true, message: `${name} done`, retryable: false };
    },
  };
  return { subject, calls };
}

const options = { actor: "monitor", now: () => 5000, timeoutMs: 200, verifyWithinMs: 30_000 };

function approved(state: State, name: string, params: Record<string, unknown>) {
  const { record } = proposeAction(state, { subject: "demo", ticketId: 3, name, params, risk: "high", why: "w", actor: "t", now: 1 });
  return transitionAction(state, record.id, { to: "approved", actor: "alice", why: "ok", now: 2 })!;
}

test("an approved action runs once, even when two runners race for it, and waits for verification", async () => {
  const state = freshState();
  const { subject, calls } = demoSubject();
  const action = approved(state, "restart", { node: "b" });
  const [first, second] = await Promise.all([runApprovedAction(state, subject, action, options), runApprovedAction(state, subject, action, options)]);
  expect(calls).toEqual([{ name: "restart", params: { node: "b" } }]);
  expect([first, second].filter(Boolean).map((r) => [r!.status, r!.verification, r!.verifyBy])).toEqual([["succeeded", "pending", 35_000]]);
});

test("an action that outlives its deadline fails, retryable, and says so", async () => {
  const state = freshState();
  const { subject } = demoSubject();
  const done = await runApprovedAction(state, subject, approved(state, "hang", {}), options);
  expect(done?.status).toBe("failed");
  expect(done?.result).toEqual({ ok: false, message: "hang did not finish within 200 ms", retryable: true });
});

test("params that no longer pass the schema are never executed", async () => {
  const state = freshState();
  const { subject, calls } = demoSubject();
  const done = await runApprovedAction(state, subject, approved(state, "restart", { node: 7 }), options);
  expect(calls).toEqual([]);
  expect(done?.result?.message).toMatch(/^not run: params of restart are invalid: node: /);
});

test("an action left executing by a dead process needs review and is never run again", async () => {
  const state = freshState();
  const { subject, calls } = demoSubject();
  const action = approved(state, "restart", { node: "b" });
  transitionAction(state, action.id, { to: "executing", actor: "monitor", why: "approved", now: 3, ownerPid: 999_999 });
  const alive = (pid: number) => pid !== 999_999;
  expect(reviewInterrupted(state, "monitor", 4, alive).map((a) => a.status)).toEqual(["needs_review"]);
  expect(await runApprovedAction(state, subject, getAction(state, action.id)!, options)).toBeUndefined();
  expect(calls).toEqual([]);
});

test("an action another live process is executing is left alone", () => {
  const state = freshState();
  const action = approved(state, "restart", { node: "b" });
  transitionAction(state, action.id, { to: "executing", actor: "monitor", why: "approved", now: 3, ownerPid: process.pid });
  expect(reviewInterrupted(state, "monitor", 4)).toEqual([]);
  expect(getAction(state, action.id)?.status).toBe("executing");
});
