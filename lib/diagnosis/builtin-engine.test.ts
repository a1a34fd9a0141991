import { expect, test } from "bun:test";
import * as v from "valibot";
import type { DiagnosisRule, Violation } from "../subject/subject.ts";
import { diagnosisJson, type DiagnosingSubject, type DiagnosisRequest } from "./diagnosis.ts";
import { diagnoseWithRules } from "./builtin-engine.ts";

// A made-up subject: workers sharing one store. Its words are its own; the engine knows none of them.
interface ShopObservation {
  workers: { id: string; storeLatencyMs: number | null }[];
  storeAnswers: boolean;
}

const degraded = (id: string): Violation => ({ invariant: "worker_degraded", resource: `worker:${id}`, severity: "warning", message: `worker ${id} cannot use the store`, evidence: {} });
const storeDown: Violation = { invariant: "store_unreachable", resource: "store", severity: "critical", message: "the store does not answer", evidence: {} };

const rules: DiagnosisRule<ShopObservation>[] = [
  {
    name: "store-down",
    description: "every worker depends on the store: when it is down, all of them degrade",
    evaluate: ({ observation: o, violations }) =>
      violations.some((x) => x.invariant === "worker_degraded")
        ? [{
            component: "store",
            faultClass: "process_down",
            summary: "the store is down",
            confidence: o.storeAnswers ? 0.3 : 0.9,
            evidence: [o.storeAnswers ? "the store answers the monitor" : "the store refuses connections"],
            explains: ["store_unreachable:store", ...o.workers.map((w) => `worker_degraded:worker:${w.id}`)],
            actions: [{ name: "restart_store", params: {}, why: "bring it back" }],
          }]
        : [],
  },
  {
    name: "slow-link",
    description: "one worker slow to reach the store while others are fine: its link",
    evaluate: ({ observation: o, violations }) =>
      violations
        .filter((x) => x.invariant === "worker_degraded")
        .map((x) => {
          const id = x.resource.slice("worker:".length);
          const latency = o.workers.find((w) => w.id === id)?.storeLatencyMs ?? null;
          return {
            component: x.resource,
            faultClass: "network_latency",
            summary: `the link from worker ${id} to the store is slow`,
            confidence: latency !== null && latency > 100 ? 0.8 : 0.4,
            evidence: [`worker ${id} reaches the store in ${latency ?? "no"} ms`],
            explains: [`worker_degraded:${x.resource}`],
            actions: [
              { name: "drain_worker", params: { worker: id }, why: "take it out of rotation" },
              { name: "drain_worker", params: { worker: 42 }, why: "params that fail the schema" },
              { name: "format_disk", params: {}, why: "not an action the subject defines" },
            ],
          };
        }),
  },
  { name: "broken", description: "a rule with a bug", evaluate: () => { throw new Error("boom"); } },
];

const subject: DiagnosingSubject<ShopObservation> = {
  name: "shop",
  invariants: [],
  diagnosisRules: rules,
  actions: () => [
    { name: "restart_store", description: "restart the store", params: v.object({}), risk: "high", kind: "action" },
    { name: "drain_worker", description: "stop sending work to a worker", params: v.object({ worker: v.string() }), risk: "medium", kind: "action" },
    { name: "worker_stats", description: "read a worker's stats", params: v.object({ worker: v.string() }), risk: "low", kind: "tool" },
  ],
  execute: async () => ({ ok: true, message: "", retryable: false }),
};

const request = (violations: Violation[], observation: ShopObservation, ticket = degraded("a")): DiagnosisRequest<ShopObservation> => ({
  ticket: { id: 1, invariant: ticket.invariant, resource: ticket.resource, severity: ticket.severity, message: ticket.message },
  subject,
  violations,
  observation,
  history: [],
  now: 0,
});
const workers = (latencies: (number | null)[]) => latencies.map((ms, i) => ({ id: "abc"[i]!, storeLatencyMs: ms }));
const clock = () => 0;

test("a dead shared store explains every degraded worker and wins over each worker's link", () => {
  const d = diagnosisJson(diagnoseWithRules(request([storeDown, degraded("a"), degraded("b"), degraded("c")], { workers: workers([null, null, null]), storeAnswers: false }), 0, clock));
  expect(d).toEqual({
    ticket_id: 1,
    engine: "builtin",
    root_cause: { component: "store", summary: "the store is down", confidence: 0.9 },
    fault_class: "process_down",
    evidence: [
      "the store refuses connections",
      "explains 4 of 4 open violations: store_unreachable:store, worker_degraded:worker:a, worker_degraded:worker:b, worker_degraded:worker:c",
    ],
    alternatives: [
      { component: "worker:a", fault_class: "network_latency", summary: "the link from worker a to the store is slow", confidence: 0.4, why_ruled_out: "explains 1 of 4 open violations, store explains 4; weaker evidence (confidence 0.4 < 0.9)" },
      { component: "worker:b", fault_class: "network_latency", summary: "the link from worker b to the store is slow", confidence: 0.4, why_ruled_out: "does not explain worker_degraded:worker:a" },
      { component: "worker:c", fault_class: "network_latency", summary: "the link from worker c to the store is slow", confidence: 0.4, why_ruled_out: "does not explain worker_degraded:worker:a" },
    ],
    recommended_actions: [{ name: "restart_store", params: {}, why: "bring it back" }],
    took_ms: 0,
  });
});

test("one slow worker is its link, not the store, and only runnable actions are recommended", () => {
  const d = diagnoseWithRules(request([degraded("a")], { workers: workers([250, 1, 1]), storeAnswers: true }), 0, clock);
  expect([d.rootCause.component, d.faultClass, d.rootCause.confidence]).toEqual(["worker:a", "network_latency", 0.8]);
  expect(d.alternatives.map((a) => [a.component, a.whyRuledOut])).toEqual([
    ["store", "predicts violations that are not observed (store_unreachable:store, worker_degraded:worker:b, worker_degraded:worker:c); weaker evidence (confidence 0.3 < 0.8)"],
  ]);
  expect(d.recommendedActions).toEqual([{ name: "drain_worker", params: { worker: "a" }, why: "take it out of rotation" }]);
});

test("with no rule that explains the ticket, the diagnosis says so and recommends nothing", () => {
  const other: Violation = { invariant: "disk_full", resource: "worker:b", severity: "warning", message: "disk 99% full", evidence: {} };
  const d = diagnoseWithRules(request([other], { workers: workers([1, 1, 1]), storeAnswers: true }, other), 0, clock);
  expect(diagnosisJson(d)).toMatchObject({
    root_cause: { component: "worker:b", summary: "no rule explains disk_full:worker:b; the open violations are listed as evidence", confidence: 0.1 },
    fault_class: "unknown",
    evidence: ["disk_full:worker:b: disk 99% full"],
    recommended_actions: [],
  });
});

test("a ticket whose violation has cleared is still diagnosed from the ticket, and the evidence says it cleared", () => {
  const d = diagnoseWithRules(request([], { workers: workers([300, 1, 1]), storeAnswers: true }), 0, clock);
  expect(d.rootCause.component).toBe("worker:a");
  expect(d.evidence).toContain("worker_degraded:worker:a no longer shows in the latest check");
});
