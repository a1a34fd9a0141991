// operator incidents list|show as a script sees them, over a state dir the stores wrote (the
// monitor's path to it is in incidents-monitor.test.ts), and `tickets resolve` by a person moving
// the incident through the same store: its last ticket resolves it and cancels its proposals.
import { expect, test } from "bun:test";
import { proposeAction } from "../lib/actions/action-store.ts";
import type { DiagnosisJson } from "../lib/diagnosis/diagnosis.ts";
import { applyDiagnosis } from "../lib/incidents/incidents.ts";
import { readJournal } from "../lib/state/journal.ts";
import { openState } from "../lib/state/state.ts";
import type { Violation } from "../lib/subject/subject.ts";
import { openTicket } from "../lib/monitor/tickets.ts";
import { runCli } from "./fixtures/cli.ts";
import { tempDirs } from "./fixtures/temp-dirs.ts";

const newDir = tempDirs("operator-incidents-cli-");

const T0 = Date.parse("2026-12-01T10:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const violation = (invariant: string, resource: string, severity: Violation["severity"]): Violation => ({ invariant, resource, severity, message: `${invariant} on ${resource}`, evidence: {} });
const diagnosis: DiagnosisJson = {
  ticket_id: 2, engine: "builtin", root_cause: { component: "node:a", summary: "the link between node a and Redis is slow", confidence: 0.85 }, fault_class: "network_latency",
  evidence: ["node a p99 check latency is 91 ms"], alternatives: [], recommended_actions: [{ name: "drain_node", params: { node: "a" }, why: "take node a out of rotation" }], took_ms: 3,
};

/** A slow link on node a (two tickets, diagnosed, one proposal) and an unrelated hot key. */
function seeded() {
  const dir = newDir();
  const state = openState(dir);
  const open = (v: Violation, at: number) => openTicket(state, { subject: "ratelimiter", violation: v, firstSeenAt: at, now: at, actor: "monitor", why: "held" }).ticket;
  open(violation("over_admission", "key:k1", "critical"), T0);
  open(violation("node_degraded", "node:a", "warning"), T0 + 1_000);
  open(violation("hot_key", "key:h", "warning"), T0 + 2_000);
  applyDiagnosis(state, { ticketId: 2, component: "node:a", faultClass: "network_latency", summary: diagnosis.root_cause.summary, explains: ["node_degraded:node:a", "over_admission:key:k1"], diagnosis }, ["network_latency", "hot_key"], T0 + 3_000);
  proposeAction(state, { subject: "ratelimiter", ticketId: 2, name: "drain_node", params: { node: "a" }, risk: "medium", why: "take node a out of rotation", actor: "diagnosis:builtin", now: T0 + 3_000 });
  state.close();
  return { dir, cli: (args: string[]) => runCli(args, { env: { OPERATOR_STATE_DIR: dir } }) };
}

const linkSnapshot = {
  id: 1, subject: "ratelimiter", status: "open", severity: "critical",
  root_cause: { component: "node:a", fault_class: "network_latency", summary: "the link between node a and Redis is slow" }, merged_into: null,
  tickets: [
    { id: 1, invariant: "over_admission", resource: "key:k1", severity: "critical", status: "open", opened_at: iso(T0), resolved_at: null },
    { id: 2, invariant: "node_degraded", resource: "node:a", severity: "warning", status: "open", opened_at: iso(T0 + 1_000), resolved_at: null },
  ],
  diagnosis: { engine: "builtin", summary: "the link between node a and Redis is slow", confidence: 0.85 },
  actions: [{ id: 1, name: "drain_node", params: { node: "a" }, risk: "medium", status: "proposed" }],
  opened_at: iso(T0), resolved_at: null,
};

test("incidents list --json: one cause, one entry, newest first; merged-away incidents are left out", async () => {
  const { cli } = seeded();
  const result = await cli(["incidents", "list", "--json"]);
  expect({ exitCode: result.exitCode, doc: JSON.parse(result.stdout) }).toEqual({
    exitCode: 0,
    doc: {
      incidents: [
        {
          id: 3, subject: "ratelimiter", status: "open", severity: "warning", root_cause: null, merged_into: null,
          tickets: [{ id: 3, invariant: "hot_key", resource: "key:h", severity: "warning", status: "open", opened_at: iso(T0 + 2_000), resolved_at: null }],
          diagnosis: null, actions: [], opened_at: iso(T0 + 2_000), resolved_at: null,
        },
        linkSnapshot,
      ],
    },
  });
  expect(JSON.parse((await cli(["incidents", "list", "--status", "resolved", "--json"])).stdout)).toEqual({ incidents: [] });
});

test("incidents show --json: the snapshot with the full diagnosis and the actions' records; the merged one points at its survivor", async () => {
  const { cli } = seeded();
  const doc = JSON.parse((await cli(["incidents", "show", "1", "--json"])).stdout);
  expect({ ...doc, actions: doc.actions.map((a: any) => ({ id: a.id, name: a.name, params: a.params, risk: a.risk, status: a.status, ticket_id: a.ticket_id, proposed_by: a.proposed_by })) }).toEqual({
    ...linkSnapshot,
    diagnosis: { ...linkSnapshot.diagnosis, ...diagnosis },
    actions: [{ ...linkSnapshot.actions[0], ticket_id: 2, proposed_by: "diagnosis:builtin" }],
  });
  // A ticket keeps its own identity and queries; it names the incident it belongs to now.
  expect(JSON.parse((await cli(["tickets", "show", "2", "--json"])).stdout).ticket).toMatchObject({ id: 2, invariant: "node_degraded", incident_id: 1 });
  const merged = JSON.parse((await cli(["incidents", "show", "2", "--json"])).stdout);
  expect([merged.status, merged.merged_into, merged.resolved_at]).toEqual(["resolved", 1, iso(T0 + 3_000)]);
  const human = await cli(["incidents", "show", "1"]);
  expect(human.stdout.split("\n").slice(0, 2)).toEqual([
    `#1  open     critical node:a (network_latency)  2 open of 2 ticket(s)  opened ${iso(T0)}`,
    "  the link between node a and Redis is slow",
  ]);
});

test("tickets resolve by a person goes through the incident: the last ticket resolves it and cancels its proposal, all journaled", async () => {
  const { dir, cli } = seeded();
  expect((await cli(["tickets", "resolve", "1", "--why", "counter repaired", "--by", "alice"])).exitCode).toBe(0);
  expect(JSON.parse((await cli(["incidents", "show", "1", "--json"])).stdout).status).toBe("open");
  expect((await cli(["tickets", "resolve", "2", "--why", "cable replaced", "--by", "alice"])).exitCode).toBe(0);
  const doc = JSON.parse((await cli(["incidents", "show", "1", "--json"])).stdout);
  expect([doc.status, doc.severity, doc.actions.map((a: any) => a.status)]).toEqual(["resolved", "warning", ["cancelled"]]);
  const state = openState(dir);
  const tail = readJournal(state, { afterId: 0, limit: 100 }).map((e) => `${e.type}#${e.incidentId ?? "-"}`).slice(-5);
  state.close();
  // The cancelled proposal is journaled by the action store, in the same transaction.
  expect(tail).toEqual(["incident_updated#1", "ticket_resolved#1", "action_cancelled#-", "incident_resolved#1", "ticket_resolved#1"]);
});

test("bad input is exit 2 with one line saying what to fix; --help teaches with an example", async () => {
  const { cli } = seeded();
  const cases = [
    [["incidents", "show", "x"], 'operator: incident ID "x" is not a positive integer: see operator incidents list\n'],
    [["incidents", "show", "99"], "operator: no incident 99: see operator incidents list\n"],
    [["incidents", "list", "--status", "closed"], 'operator: --status "closed" is not one of open, resolved (env OPERATOR_INCIDENT_STATUS)\n'],
  ] as const;
  for (const [args, stderr] of cases) {
    const result = await cli([...args]);
    expect({ args, exitCode: result.exitCode, stderr: result.stderr }).toEqual({ args, exitCode: 2, stderr });
  }
  const help = await cli(["incidents", "show", "--help"]);
  expect(help.stdout).toContain("operator incidents show 2 --json");
});
