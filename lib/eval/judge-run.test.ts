import { expect, test } from "bun:test";
import { CONTROL, type Scenario } from "../scenario/scenario.ts";
import type { RunEvent } from "../scenario/event-log.ts";
import type { ScenarioOutcome } from "../scenario/outcome.ts";
import { judgeRun, type RunContext } from "./judge-run.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (s: number) => T0 + s * 1000;

const compound: Scenario = {
  name: "slow+kill", subject: "s", title: "t", narration: "n",
  faults: [{ fault: "slow", params: {}, durationMs: 60_000 }, { fault: "kill", params: {}, durationMs: 60_000 }],
  expect: {
    detections: [{ invariant: "down", resource: "node:b" }, { invariant: "slow", resource: "node:c" }],
    deadlineMs: 20_000, components: ["node:b", "node:c"], faultClass: "process_down", faultClasses: { "node:c": "network_latency" }, tolerated: ["latency:node:c"],
  },
  remedy: [{ action: "restart", params: { node: "b" } }],
};

const opened = (id: number, invariant: string, resource: string, s: number): RunEvent =>
  ({ type: "ticket_opened", at: at(s) + 50, data: { ticket: { id, invariant, resource, opened_at: new Date(at(s)).toISOString() } } });
const diagnosed = (ticket: { id: number; invariant: string; resource: string }, s: number, component: string, faultClass: string, alternatives: string[] = [], usage?: object): RunEvent => ({
  type: "diagnosis", at: at(s),
  data: { ticket, diagnosis: { engine: "llm", root_cause: { component }, fault_class: faultClass, alternatives: alternatives.map((c) => ({ component: c })), took_ms: 5, ...(usage ? { usage } : {}) } },
});

const outcome = (over: Partial<ScenarioOutcome> = {}): ScenarioOutcome => ({
  scenario: "slow+kill", kind: "fault", passed: true, startedAt: at(-5), finishedAt: at(40),
  faults: [{ id: 1, fault: "slow", target: "node:c", injectedAt: at(0), revertedAt: at(30) }, { id: 2, fault: "kill", target: "node:b", injectedAt: at(0.5), revertedAt: at(30) }],
  detections: [], unexpected: [], diagnoses: [],
  remedies: [{ action: "restart", actionId: 1, params: { node: "b" }, proposedAt: at(4), approvedAt: at(4.5), finishedAt: at(6), status: "succeeded", verification: "verified", verifiedAt: at(7.5) }],
  remedyHeld: true, allClearAt: at(35), ...over,
});

const context: RunContext = { engine: "llm", repeat: 2, graceScale: 0.5, graceMsOf: (name) => ({ down: 2_000, slow: 8_000 })[name] ?? 0 };

test("a compound run: both tickets in time, both components named with their classes, the remedy verified, effort summed", () => {
  const b = { id: 1, invariant: "down", resource: "node:b" };
  const c = { id: 2, invariant: "slow", resource: "node:c" };
  const events = [
    opened(1, "down", "node:b", 3), diagnosed(b, 3.1, "node:b", "process_down", ["node:c"], { turns: 2, tokens: 300 }),
    opened(3, "latency", "node:c", 5), opened(2, "slow", "node:c", 9), diagnosed(c, 9.2, "node:c", "network_latency", [], { turns: 1, tokens: 100 }),
  ];
  const run = judgeRun(compound, outcome(), events, context);
  expect({ ...run, diagnoses: run.diagnoses.length }).toEqual({
    scenario: "slow+kill", engine: "llm", repeat: 2, control: false, passed: true,
    detected: true, ttdMs: 3_000, ttdMinusGraceMs: 2_000, falsePositives: 0, localizedAt: 1, diagnosisExact: true, mitigated: true, ttmMs: 3_000,
    effort: { llmTurns: 3, tokens: 400, wallMs: 45_000 },
    detections: [
      { invariant: "down", resource: "node:b", ticket: { id: 1, invariant: "down", resource: "node:b", openedAt: at(3) }, ttdMs: 3_000 },
      { invariant: "slow", resource: "node:c", ticket: { id: 2, invariant: "slow", resource: "node:c", openedAt: at(9) }, ttdMs: 9_000 },
    ],
    diagnoses: 2,
    unexpected: [],
  });
});

test("a ticket after the deadline is not a detection; a component ranked second is Acc@3 but not exact; an untolerated ticket is a false positive", () => {
  const b = { id: 1, invariant: "down", resource: "node:b" };
  const events = [opened(1, "down", "node:b", 3), diagnosed(b, 3.1, "node:b", "process_down", ["node:c"]), opened(2, "slow", "node:c", 21), opened(4, "memory", "store", 6)];
  const run = judgeRun(compound, outcome({ passed: false, failure: "late", remedyHeld: false }), events, context);
  expect([run.detected, run.detections.map((d) => d.ttdMs), run.localizedAt, run.diagnosisExact, run.falsePositives, run.mitigated, run.ttmMs])
    .toEqual([false, [3_000, null], 2, false, 1, false, null]);
});

test("a scenario with no remedy is not scored on mitigation; a control counts every ticket", () => {
  const plain: Scenario = { ...compound, remedy: undefined };
  expect(judgeRun(plain, outcome({ remedies: [] }), [], context).mitigated).toBeNull();
  const control: Scenario = { name: "control", subject: "s", title: "t", narration: "n", kind: "control", faults: [], expect: CONTROL, quietMs: 10_000 };
  const run = judgeRun(control, outcome({ faults: [], remedies: [], passed: false }), [opened(1, "latency", "node:a", 2)], context);
  expect([run.control, run.falsePositives, run.detected, run.mitigated, run.unexpected.map((t) => t.id)]).toEqual([true, 1, false, null, [1]]);
});

test("a scenario's {placeholders} are judged as bound to what its faults hit", () => {
  const leaderKill: Scenario = {
    name: "leader-kill", subject: "s", title: "t", narration: "n", faults: [{ fault: "leader-kill", params: {}, durationMs: 60_000 }],
    expect: { detections: [{ invariant: "member_down", resource: "member:{leader}" }], deadlineMs: 20_000, components: ["member:{leader}"], faultClass: "process_down" },
  };
  const ticket = { id: 1, invariant: "member_down", resource: "member:m2" };
  const played = outcome({ faults: [{ id: 1, fault: "leader-kill", target: "member:m2", injectedAt: at(0), revertedAt: at(30) }], remedies: [] });
  const run = judgeRun(leaderKill, played, [opened(1, "member_down", "member:m2", 4), diagnosed(ticket, 4.1, "member:m2", "process_down")], context);
  expect([run.detected, run.ttdMs, run.localizedAt, run.diagnosisExact]).toEqual([true, 4_000, 1, true]);
});
