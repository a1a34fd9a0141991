import { describe, expect, test } from "bun:test";
import { tempStates } from "../../test/fixtures/temp-state.ts";
import { listActions, proposeAction } from "../actions/action-store.ts";
import { listAudit } from "../actions/audit-log.ts";
import type { DiagnosisJson } from "../diagnosis/diagnosis.ts";
import { applyDiagnosis, getIncident, incidentOfTicket, incidentSnapshot, listIncidents } from "./incidents.ts";
import { readJournal } from "../state/journal.ts";
import type { State } from "../state/state.ts";
import type { Severity, Violation } from "../subject/subject.ts";
import { openTicket, resolveTicket, updateTickets } from "../monitor/tickets.ts";

const freshState = tempStates("operator-incidents-");

const violation = (invariant: string, resource: string, severity: Severity = "warning"): Violation => ({ invariant, resource, severity, message: `${invariant} on ${resource}`, evidence: {} });
const open = (state: State, invariant: string, resource: string, now: number, severity: Severity = "warning") =>
  openTicket(state, { subject: "ratelimiter", violation: violation(invariant, resource, severity), firstSeenAt: now, now, actor: "monitor", why: "test" }).ticket;
const diagnosis = (ticketId: number): DiagnosisJson => ({
  ticket_id: ticketId, engine: "builtin", root_cause: { component: "node:a", summary: "the link between node a and Redis is slow", confidence: 0.85 }, fault_class: "network_latency",
  evidence: [], alternatives: [], recommended_actions: [], took_ms: 1,
});
const slowLink = (ticketId: number, explains: string[]) => ({
  ticketId, component: "node:a", faultClass: "network_latency", summary: "the link between node a and Redis is slow", explains, diagnosis: diagnosis(ticketId),
});
const CLASSES = ["network_latency", "hot_key"];
const journalTypes = (state: State) => readJournal(state, { afterId: 0, limit: 1_000 }).map((e) => `${e.type}${e.incidentId !== undefined ? `#${e.incidentId}` : ""}`);

describe("incident store", () => {
  test("a ticket opens its own incident; a diagnosis merges what its cause explains into the oldest; a ticket it explains later joins", () => {
    const state = freshState();
    const k1 = open(state, "over_admission", "key:k1", 1_000, "critical");
    const degraded = open(state, "node_degraded", "node:a", 2_000);
    const hot = open(state, "hot_key", "key:h", 2_500);
    expect(listIncidents(state).map((i) => i.id)).toEqual([3, 2, 1]);

    const applied = applyDiagnosis(state, slowLink(degraded.id, ["node_degraded:node:a", "over_admission:key:k1", "over_admission:key:k2"]), CLASSES, 3_000)!;
    expect({ target: applied.incident.id, absorbed: applied.absorbed, explained: applied.explained }).toEqual({ target: 1, absorbed: [2], explained: true });
    const k2 = open(state, "over_admission", "key:k2", 4_000, "critical");
    expect([k1, degraded, k2, hot].map((t) => incidentOfTicket(state, t.id)!.id)).toEqual([1, 1, 1, 3]);

    expect(incidentSnapshot(state, getIncident(state, 1))).toEqual({
      id: 1, subject: "ratelimiter", status: "open", severity: "critical",
      root_cause: { component: "node:a", fault_class: "network_latency", summary: "the link between node a and Redis is slow" }, merged_into: null,
      tickets: [
        { id: k1.id, invariant: "over_admission", resource: "key:k1", severity: "critical", status: "open", opened_at: new Date(1_000).toISOString(), resolved_at: null },
        { id: degraded.id, invariant: "node_degraded", resource: "node:a", severity: "warning", status: "open", opened_at: new Date(2_000).toISOString(), resolved_at: null },
        { id: k2.id, invariant: "over_admission", resource: "key:k2", severity: "critical", status: "open", opened_at: new Date(4_000).toISOString(), resolved_at: null },
      ],
      diagnosis: { engine: "builtin", summary: "the link between node a and Redis is slow", confidence: 0.85 }, actions: [],
      opened_at: new Date(1_000).toISOString(), resolved_at: null,
    });
    expect(getIncident(state, 2)).toMatchObject({ status: "resolved", mergedInto: 1, resolvedAt: 3_000 });
    expect(listIncidents(state, { status: "open" }).map((i) => i.id)).toEqual([3, 1]);
    expect(journalTypes(state)).toEqual([
      "incident_opened#1", "ticket_opened#1", "incident_opened#2", "ticket_opened#2", "incident_opened#3", "ticket_opened#3",
      "incident_resolved#2", "incident_updated#1", "incident_updated#1", "ticket_opened#1",
    ]);
    const updates = readJournal(state, { afterId: 0, limit: 100, types: ["incident_updated", "incident_resolved"] }).map((e) => [e.type, e.payload.changed ?? (e.payload.incident as { merged_into: number }).merged_into]);
    expect(updates).toEqual([["incident_resolved", 1], ["incident_updated", ["root_cause", "tickets", "diagnosis"]], ["incident_updated", ["tickets"]]]);
  });

  test("an incident resolves with its last ticket and cancels its still-proposed actions; severity follows its open tickets", () => {
    const state = freshState();
    const a = open(state, "node_degraded", "node:a", 1_000);
    applyDiagnosis(state, slowLink(a.id, ["node_degraded:node:a", "over_admission:key:k1"]), CLASSES, 1_500);
    const k1 = open(state, "over_admission", "key:k1", 2_000, "critical");
    const drain = proposeAction(state, { subject: "ratelimiter", ticketId: a.id, name: "drain_node", params: { node: "a" }, risk: "medium", why: "w", actor: "diagnosis:builtin", now: 2_100 }).record;
    expect(getIncident(state, 1).severity).toBe("critical");

    resolveTicket(state, k1.id, { now: 3_000, actor: "monitor", why: "clear" });
    expect(getIncident(state, 1)).toMatchObject({ status: "open", severity: "warning" });
    updateTickets(state, "ratelimiter", [violation("node_degraded", "node:a", "critical")], 3_500);
    expect(getIncident(state, 1).severity).toBe("critical");
    resolveTicket(state, a.id, { now: 4_000, actor: "alice", why: "fixed the cable" });
    expect(getIncident(state, 1)).toMatchObject({ status: "resolved", resolvedAt: 4_000, severity: "critical" });
    expect(listActions(state).map((x) => [x.id, x.status])).toEqual([[drain.id, "cancelled"]]);
    expect(listAudit(state, { entity: "action", entityId: String(drain.id) }).map((e) => [e.event, e.actor, e.why])).toEqual([
      ["proposed", "diagnosis:builtin", "w"], ["cancelled", "alice", "incident #1 is resolved: nothing left to fix"],
    ]);
    expect(journalTypes(state).slice(-4)).toEqual(["incident_updated#1", "action_cancelled", "incident_resolved#1", "ticket_resolved#1"]);
  });

  test("a cause that does not explain its own ticket names no root cause, merges nothing; a class outside the closed list is unknown", () => {
    const state = freshState();
    const c = open(state, "high_check_latency", "node:c", 1_000);
    const a = open(state, "node_degraded", "node:a", 1_100);
    const missed = applyDiagnosis(state, slowLink(c.id, ["node_degraded:node:a"]), CLASSES, 2_000)!;
    expect({ id: missed.incident.id, explained: missed.explained, cause: missed.incident.rootCause, absorbed: missed.absorbed }).toEqual({ id: 1, explained: false, cause: null, absorbed: [] });
    const odd = applyDiagnosis(state, { ...slowLink(a.id, ["node_degraded:node:a"]), faultClass: "gremlins" }, CLASSES, 2_000)!;
    expect(odd.incident.rootCause).toEqual({ component: "node:a", faultClass: "unknown", summary: "the link between node a and Redis is slow" });
  });
});
