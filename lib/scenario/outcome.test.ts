// Judging a run from its events: the right diagnosis, the expected remedy, the tickets nobody expected.
import { describe, expect, test } from "bun:test";
import type { Expectation } from "./scenario.ts";
import type { RunEvent } from "./event-log.ts";
import { diagnosisFor, isProposalOf, judgeDiagnoses, unexpectedTickets, type DiagnosisSeen } from "./outcome.ts";

const diagnosis = (component: string, faultClass: string, at = 1): DiagnosisSeen => ({ ticketId: at, at, engine: "builtin", component, faultClass, alternatives: [], tookMs: 1 });
const expect1: Expectation = { detections: [], deadlineMs: 1, components: ["db"], aliases: { db: ["db:primary"] }, faultClass: "process_paused" };
const ticket = (id: number, invariant: string, resource: string): RunEvent => ({ type: "ticket_opened", at: id, data: { ticket: { id, invariant, resource } } });

describe("judging a scenario run", () => {
  test("a ticket that joined an incident is covered by the incident's one diagnosis, also through a merge", () => {
    const incident = (type: string, id: number, tickets: number[], mergedInto: number | null = null): RunEvent => ({ type, at: id, data: { incident: { id, merged_into: mergedInto, tickets: tickets.map((t) => ({ id: t })) } } });
    const diagnosed: RunEvent = { type: "diagnosis", at: 5, data: { ticket: { id: 1 }, incident_id: 1, diagnosis: {} } };
    const events = [incident("incident_opened", 1, [1]), diagnosed, incident("incident_updated", 1, [1, 2]), incident("incident_opened", 3, [3]), incident("incident_resolved", 4, [4], 1)];
    expect([1, 2, 3, 4].map((id) => diagnosisFor(events, id))).toEqual([diagnosed, diagnosed, undefined, diagnosed]);
  });

  test("the first diagnosis must name an expected component (or an alias) with the expected fault class", () => {
    expect(judgeDiagnoses([diagnosis("db", "process_paused"), diagnosis("node:a", "network_partition", 2)], expect1)).toBeUndefined();
    expect(judgeDiagnoses([diagnosis("db:primary", "process_paused")], expect1)).toBeUndefined();
    expect(judgeDiagnoses([diagnosis("node:a", "network_partition")], expect1)).toBe("the diagnosis names node:a (network_partition), not db");
    expect(judgeDiagnoses([diagnosis("db", "process_down")], expect1)).toBe("the diagnosis names db but as process_down, not process_paused");
    expect(judgeDiagnoses([], expect1)).toBe("no diagnosis of the expected tickets");
    const compound = { ...expect1, components: ["node:a", "node:c"], faultClass: "process_down" };
    expect(judgeDiagnoses([diagnosis("node:a", "process_down")], compound)).toBe("no diagnosis names node:c");
  });

  test("a proposal is the remedy when it names the action with at least the expected params", () => {
    const proposal = (name: string, params: Record<string, unknown>): RunEvent => ({ type: "action_proposed", at: 1, data: { action: { id: 1, name, params } } });
    const step = { action: "update_limit", params: { key: "k", algorithm: "sliding-log" } };
    expect(isProposalOf(step)(proposal("update_limit", { key: "k", limit: 10, window_ms: 5000, algorithm: "sliding-log" }))).toBe(true);
    expect(isProposalOf(step)(proposal("update_limit", { key: "k", limit: 10, window_ms: 5000, algorithm: "gcra" }))).toBe(false);
    expect(isProposalOf(step)(proposal("block_key", { key: "k", algorithm: "sliding-log" }))).toBe(false);
  });

  test("tickets nobody expected: neither a detection nor tolerated (a trailing * takes any rest)", () => {
    const events = [ticket(1, "node_degraded", "node:b"), ticket(2, "counter_drift", "key:user-7"), ticket(3, "high_check_latency", "node:b"), ticket(4, "db_latency", "node:a"), { type: "cycle", at: 5, data: {} }];
    const unexpected = unexpectedTickets(events, [{ invariant: "node_degraded", resource: "node:b" }], ["counter_drift:key:*", "high_check_latency:node:b"]);
    expect(unexpected).toEqual([{ id: 4, invariant: "db_latency", resource: "node:a", openedAt: 4 }]);
  });
});
