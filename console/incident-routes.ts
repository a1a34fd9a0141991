// Incidents in the console: the open ones first, each with what a person needs to decide: its
// tickets and their evidence, the diagnosis with the alternatives it ruled out, the actions and
// their audit trail. The shapes of `operator incidents list|show --json`.
import type { Hono } from "hono";
import { auditJson, listAudit } from "../lib/actions/audit-log.ts";
import { getIncident, incidentDetail, incidentSnapshot, listIncidents } from "../lib/incidents/incidents.ts";
import type { State } from "../lib/state/state.ts";
import { getTicket } from "../lib/monitor/tickets.ts";
import type { ConsoleEnv } from "./auth.ts";
import { idParam, oneOf, pageOf, pageRequest } from "./request.ts";

/** `incidents show --json`, plus each ticket's latest evidence and the audit of its actions. */
export function incidentView(state: State, id: number) {
  const detail = incidentDetail(state, getIncident(state, id));
  const evidence = detail.tickets.map((t) => {
    const ticket = getTicket(state, t.id);
    return { ticket_id: t.id, resource: t.resource, message: ticket.lastMessage, evidence: ticket.lastEvidence };
  });
  const audit = detail.actions
    .flatMap((a) => listAudit(state, { entity: "action", entityId: String(a.id) }))
    .sort((a, b) => a.id - b.id)
    .map(auditJson);
  return { ...detail, evidence, audit };
}

export function mountIncidentRoutes(api: Hono<ConsoleEnv>, state: State): void {
  api.get("/incidents", (c) => {
    const status = oneOf(c, "status", ["open", "resolved"] as const);
    const page = pageOf(listIncidents(state, { ...(status ? { status } : {}), limit: 100_000 }), pageRequest(c));
    return c.json({ incidents: page.items.map((i) => incidentSnapshot(state, i)), next_cursor: page.nextCursor });
  });
  api.get("/incidents/:id", (c) => c.json(incidentView(state, idParam(c, "incident"))));
}
