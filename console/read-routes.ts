// The console's read side: tickets, actions, the audit log, the mode and the monitor's pulse, in
// the same shapes as the CLI's --json; lists newest first, paged with `limit` and `cursor`.
import type { Hono } from "hono";
import { ACTION_STATUSES, actionJson, getAction, listActions, PENDING_STATUSES, type ActionStatus } from "../lib/actions/action-store.ts";
import { auditJson, listAudit } from "../lib/actions/audit-log.ts";
import { getMode } from "../lib/actions/settings.ts";
import { diagnosisJson } from "../lib/diagnosis/diagnosis.ts";
import { latestDiagnosis } from "../lib/diagnosis/diagnosis-store.ts";
import { httpError } from "../lib/cli/errors.ts";
import type { State } from "../lib/state/state.ts";
import { getTicket, listTickets, ticketJson, ticketTransitions, transitionJson } from "../lib/monitor/tickets.ts";
import type { ConsoleEnv } from "./auth.ts";
import { monitorStatus } from "./monitor-status.ts";
import { idParam, oneOf, pageOf, pageRequest, sinceQuery } from "./request.ts";

/** Enough for any list a person pages through; the cursor reaches further back. */
const SCAN_LIMIT = 100_000;

export const modeJson = (m: ReturnType<typeof getMode>) => ({ mode: m.mode, updated_at: m.updatedAt === null ? null : new Date(m.updatedAt).toISOString(), updated_by: m.updatedBy });

/** One ticket with what a person needs to judge it: transitions, the latest diagnosis, its actions. */
export function ticketDetail(state: State, id: number) {
  const ticket = getTicket(state, id);
  const diagnosis = latestDiagnosis(state, id);
  return {
    ticket: { ...ticketJson(ticket), transitions: ticketTransitions(state, id).map(transitionJson) },
    diagnosis: diagnosis ? diagnosisJson(diagnosis.diagnosis) : null,
    actions: listActions(state, { ticketId: id }).map(actionJson),
  };
}

export function mountReadRoutes(api: Hono<ConsoleEnv>, state: State, now: () => number): void {
  api.get("/tickets", (c) => {
    const status = oneOf(c, "status", ["open", "resolved"] as const);
    const page = pageOf(listTickets(state, { ...(status ? { status } : {}), limit: SCAN_LIMIT }), pageRequest(c));
    return c.json({ tickets: page.items.map(ticketJson), next_cursor: page.nextCursor });
  });
  api.get("/tickets/:id", (c) => c.json(ticketDetail(state, idParam(c, "ticket"))));

  api.get("/actions", (c) => {
    const status = oneOf(c, "status", ["pending", ...ACTION_STATUSES] as const);
    const statuses: readonly ActionStatus[] | undefined = status === "pending" ? PENDING_STATUSES : status ? [status] : undefined;
    const newestFirst = listActions(state, statuses ? { statuses } : {}).reverse();
    const page = pageOf(newestFirst, pageRequest(c));
    return c.json({ mode: getMode(state).mode, actions: page.items.map(actionJson), next_cursor: page.nextCursor });
  });
  api.get("/actions/:id", (c) => {
    const id = idParam(c, "action");
    const action = getAction(state, id);
    if (!action) throw httpError(404, "no_such_action", `no action ${id}: see GET /api/v1/actions`);
    return c.json({ action: actionJson(action), audit: listAudit(state, { entity: "action", entityId: String(id) }).map(auditJson) });
  });

  api.get("/audit", (c) => {
    const page = pageRequest(c);
    const since = sinceQuery(c, now());
    const entries = listAudit(state, { limit: page.limit + 1, ...(page.before !== undefined ? { beforeId: page.before } : {}), ...(since !== undefined ? { sinceMs: since } : {}) }).reverse();
    const items = entries.slice(0, page.limit);
    return c.json({ entries: items.map(auditJson), next_cursor: entries.length > page.limit ? String(items.at(-1)!.id) : null });
  });

  api.get("/mode", (c) => c.json(modeJson(getMode(state))));
  api.get("/status", (c) => c.json(monitorStatus(state, now())));
}
