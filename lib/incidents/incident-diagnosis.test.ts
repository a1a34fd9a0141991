import { expect, test } from "bun:test";
import { tempStates } from "../../test/fixtures/temp-state.ts";
import type { Diagnosis, DiagnosingSubject } from "../diagnosis/diagnosis.ts";
import { adoptDiagnosis } from "./incident-diagnosis.ts";
import { incidentOfTicket } from "./incidents.ts";
import { violationKey, type Violation } from "../subject/subject.ts";
import { openTicket } from "../monitor/tickets.ts";

const freshState = tempStates("operator-adopt-");

const violation = (invariant: string, resource: string): Violation => ({ invariant, resource, severity: "critical", message: `${invariant} on ${resource}`, evidence: {} });
/** A slow link on node a explains its own degradation and every over-admitted key in view. */
const subject: DiagnosingSubject<null> = {
  name: "toy", invariants: [], actions: () => [], execute: async () => ({ ok: true, message: "", retryable: false }), faultClasses: ["network_latency"],
  diagnosisRules: [{
    name: "link", description: "slow link",
    evaluate: ({ violations }) => [{ component: "node:a", faultClass: "network_latency", summary: "slow link", confidence: 0.9, evidence: [], actions: [],
      explains: violations.filter((v) => v.invariant === "over_admission" || v.resource === "node:a").map(violationKey) }],
  }],
};
const diagnosis = (ticketId: number): Diagnosis => ({
  ticketId, engine: "builtin", rootCause: { component: "node:a", summary: "slow link", confidence: 0.9 }, faultClass: "network_latency", evidence: [], alternatives: [], recommendedActions: [], tookMs: 0,
});

test("an open ticket whose violation blinked out of this cycle's check still merges with the cause that explains it", () => {
  const state = freshState();
  const open = (v: Violation, now: number) => openTicket(state, { subject: "toy", violation: v, firstSeenAt: now, now, actor: "monitor", why: "t" }).ticket;
  const k1 = open(violation("over_admission", "key:k1"), 1_000);
  const degraded = open(violation("node_degraded", "node:a"), 2_000);
  const adoption = adoptDiagnosis({ state, subject, diagnosis: diagnosis(degraded.id), violations: [violation("node_degraded", "node:a")], observation: null, history: [], now: 3_000, propose: true });
  expect([adoption.incidentId, incidentOfTicket(state, k1.id)!.id, incidentOfTicket(state, degraded.id)!.id]).toEqual([1, 1, 1]);
});
