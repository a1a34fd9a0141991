// The incident store: the open tickets one root cause explains, the operator's unit of attention.
// Tickets call in here inside their own transactions (a ticket opens or joins an incident, its
// resolution may resolve the incident); a diagnosis names the cause and merges what it explains.
// Every transition appends its journal entry in the same transaction.
import { actionJson, listActions, transitionAction } from "../actions/action-store.ts";
import type { DiagnosisJson } from "../diagnosis/diagnosis.ts";
import { usageError } from "../cli/errors.ts";
import { changedFields, checkedFaultClass, highestSeverity, joinTarget, mergePlan, type IncidentView } from "./incident-grouping.ts";
import { appendJournal } from "../state/journal.ts";
import { ensureSchema, type State } from "../state/state.ts";
import type { Severity } from "../subject/subject.ts";

export type IncidentStatus = "open" | "resolved";

export interface RootCause {
  component: string;
  /** From the subject's closed list; `unknown` when a diagnosis named something outside it. */
  faultClass: string;
  summary: string;
}

export interface IncidentTicket {
  id: number;
  key: string;
  invariant: string;
  resource: string;
  severity: Severity;
  status: "open" | "resolved";
  openedAt: number;
  resolvedAt: number | undefined;
}

export interface Incident {
  id: number;
  subject: string;
  status: IncidentStatus;
  severity: Severity;
  rootCause: RootCause | null;
  /** Keys (`invariant:resource`) its root cause explains: a new ticket with one of them joins it. */
  explains: string[];
  diagnosis: DiagnosisJson | null;
  mergedInto: number | null;
  openedAt: number;
  updatedAt: number;
  resolvedAt: number | undefined;
}

const migrations = [
  `CREATE TABLE incidents (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     subject TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
     severity TEXT NOT NULL,
     component TEXT,
     fault_class TEXT,
     summary TEXT,
     explains TEXT NOT NULL DEFAULT '[]',
     diagnosis TEXT,
     merged_into INTEGER REFERENCES incidents (id),
     opened_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     resolved_at INTEGER
   );
   CREATE INDEX incidents_status ON incidents (subject, status, id);
   CREATE TABLE incident_tickets (
     ticket_id INTEGER PRIMARY KEY,
     incident_id INTEGER NOT NULL REFERENCES incidents (id)
   );
   CREATE INDEX incident_tickets_incident ON incident_tickets (incident_id);`,
];

const prepared = (state: State): State => (ensureSchema(state, "incidents", migrations), state);

interface IncidentRow {
  id: number;
  subject: string;
  status: IncidentStatus;
  severity: Severity;
  component: string | null;
  fault_class: string | null;
  summary: string | null;
  explains: string;
  diagnosis: string | null;
  merged_into: number | null;
  opened_at: number;
  updated_at: number;
  resolved_at: number | null;
}

const fromRow = (r: IncidentRow): Incident => ({
  id: r.id,
  subject: r.subject,
  status: r.status,
  severity: r.severity,
  rootCause: r.component !== null ? { component: r.component, faultClass: r.fault_class ?? "unknown", summary: r.summary ?? "" } : null,
  explains: JSON.parse(r.explains) as string[],
  diagnosis: r.diagnosis ? (JSON.parse(r.diagnosis) as DiagnosisJson) : null,
  mergedInto: r.merged_into,
  openedAt: r.opened_at,
  updatedAt: r.updated_at,
  resolvedAt: r.resolved_at ?? undefined,
});

const row = (state: State, id: number) => state.db.query<IncidentRow, [number]>("SELECT * FROM incidents WHERE id = ?").get(id);

export function getIncident(state: State, id: number): Incident {
  const found = row(prepared(state), id);
  if (!found) throw usageError("no_such_incident", `no incident ${id}: see operator incidents list`);
  return fromRow(found);
}

/** Newest first, at most `limit`; merged-away incidents are left out unless asked for. */
export function listIncidents(state: State, filter: { status?: IncidentStatus; subject?: string; limit?: number; withMerged?: boolean } = {}): Incident[] {
  return prepared(state)
    .db.query<IncidentRow, [string | null, string | null, number, number]>(
      `SELECT * FROM incidents WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR subject = ?2) AND (?3 = 1 OR merged_into IS NULL) ORDER BY id DESC LIMIT ?4`,
    )
    .all(filter.status ?? null, filter.subject ?? null, filter.withMerged ? 1 : 0, filter.limit ?? 1_000)
    .map(fromRow);
}

export function incidentTickets(state: State, incidentId: number): IncidentTicket[] {
  return prepared(state)
    .db.query<{ id: number; key: string; invariant: string; resource: string; severity: Severity; status: "open" | "resolved"; opened_at: number; resolved_at: number | null }, [number]>(
      `SELECT t.id, t.key, t.invariant, t.resource, t.severity, t.status, t.opened_at, t.resolved_at
       FROM incident_tickets l JOIN tickets t ON t.id = l.ticket_id WHERE l.incident_id = ? ORDER BY t.id`,
    )
    .all(incidentId)
    .map((t) => ({ id: t.id, key: t.key, invariant: t.invariant, resource: t.resource, severity: t.severity, status: t.status, openedAt: t.opened_at, resolvedAt: t.resolved_at ?? undefined }));
}

/** The incident a ticket belongs to now (merges move its link), if it has one. */
export function incidentOfTicket(state: State, ticketId: number): Incident | undefined {
  const link = prepared(state).db.query<{ incident_id: number }, [number]>("SELECT incident_id FROM incident_tickets WHERE ticket_id = ?").get(ticketId);
  return link ? getIncident(state, link.incident_id) : undefined;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** The journal's and `incidents show --json`'s shape (HELPERS.md contract), snake_case. */
export function incidentSnapshot(state: State, incident: Incident) {
  const tickets = incidentTickets(state, incident.id);
  const ticketIds = new Set(tickets.map((t) => t.id));
  const actions = listActions(state, { subject: incident.subject }).filter((a) => a.ticketId !== null && ticketIds.has(a.ticketId));
  return {
    id: incident.id,
    subject: incident.subject,
    status: incident.status,
    severity: incident.severity,
    root_cause: incident.rootCause ? { component: incident.rootCause.component, fault_class: incident.rootCause.faultClass, summary: incident.rootCause.summary } : null,
    merged_into: incident.mergedInto,
    tickets: tickets.map((t) => ({ id: t.id, invariant: t.invariant, resource: t.resource, severity: t.severity, status: t.status, opened_at: iso(t.openedAt), resolved_at: iso(t.resolvedAt) })),
    diagnosis: incident.diagnosis ? { engine: incident.diagnosis.engine, summary: incident.diagnosis.root_cause.summary, confidence: incident.diagnosis.root_cause.confidence } : null,
    actions: actions.map((a) => ({ id: a.id, name: a.name, params: a.params, risk: a.risk, status: a.status })),
    opened_at: iso(incident.openedAt)!,
    resolved_at: iso(incident.resolvedAt),
  };
}
export type IncidentSnapshot = ReturnType<typeof incidentSnapshot>;

/**
 * `incidents show --json`: the snapshot with more in its parts: the diagnosis in full (evidence,
 * alternatives ruled out, recommendations) and every action's record.
 */
export function incidentDetail(state: State, incident: Incident) {
  const snapshot = incidentSnapshot(state, incident);
  const ids = new Set(snapshot.actions.map((a) => a.id));
  const d = incident.diagnosis;
  return {
    ...snapshot,
    diagnosis: d && snapshot.diagnosis ? { ...snapshot.diagnosis, ...d } : null,
    actions: listActions(state, { subject: incident.subject }).filter((a) => ids.has(a.id)).map(actionJson),
  };
}

// ---- transitions (each journaled in the caller's transaction) -----------------------------------

const journal = (state: State, incident: Incident, type: string, at: number, changed?: string[]) =>
  appendJournal(state, { at, type, subject: incident.subject, incidentId: incident.id, payload: { incident: incidentSnapshot(state, incident), ...(changed ? { changed } : {}) } });

function openViews(state: State, subject: string): IncidentView[] {
  return listIncidents(state, { subject, status: "open" }).map((i) => ({
    id: i.id,
    openedAt: i.openedAt,
    openKeys: incidentTickets(state, i.id).filter((t) => t.status === "open").map((t) => t.key),
    explains: i.explains,
    cause: i.rootCause ? `${i.rootCause.component} ${i.rootCause.faultClass}` : undefined,
  }));
}

/**
 * Rewrites an open incident with `update` after `move` (which links tickets to it), recomputing its
 * severity; journals what changed.
 */
function rewrite(state: State, id: number, now: number, update: Partial<Pick<IncidentRow, "component" | "fault_class" | "summary" | "explains" | "diagnosis">> = {}, move: () => void = () => {}): Incident {
  const before = getIncident(state, id);
  const beforeSnapshot = incidentSnapshot(state, before);
  move();
  const open = incidentTickets(state, id).filter((t) => t.status === "open");
  // A resolved incident keeps the severity it had while its tickets were open.
  const severity = open.length > 0 ? highestSeverity(open.map((t) => t.severity)) : before.severity;
  const next = { component: before.rootCause?.component ?? null, fault_class: before.rootCause?.faultClass ?? null, summary: before.rootCause?.summary ?? null, explains: JSON.stringify(before.explains), diagnosis: before.diagnosis ? JSON.stringify(before.diagnosis) : null, ...update };
  state.db
    .query("UPDATE incidents SET severity = ?, component = ?, fault_class = ?, summary = ?, explains = ?, diagnosis = ?, updated_at = ? WHERE id = ?")
    .run(severity, next.component, next.fault_class, next.summary, next.explains, next.diagnosis, now, id);
  const after = getIncident(state, id);
  const changed = changedFields(view(beforeSnapshot), view(incidentSnapshot(state, after)));
  if (changed.length > 0) journal(state, after, "incident_updated", now, changed);
  return after;
}

const view = (s: IncidentSnapshot) => ({
  severity: s.severity,
  rootCause: s.root_cause && { component: s.root_cause.component, faultClass: s.root_cause.fault_class, summary: s.root_cause.summary },
  tickets: s.tickets,
  actions: s.actions,
  diagnosis: s.diagnosis,
});

/**
 * A ticket just opened (call inside its transaction): it joins the oldest open incident whose
 * cause explains it, else `sameCause` (the incident a ticket opened this cycle with the same
 * likely cause opened), or opens its own.
 */
export function attachTicket(state: State, ticket: { id: number; subject: string; key: string; severity: Severity }, now: number, sameCause?: number): Incident {
  prepared(state);
  const open = openViews(state, ticket.subject);
  const target = joinTarget(open, ticket.key) ?? open.find((i) => i.id === sameCause)?.id;
  if (target !== undefined) {
    return rewrite(state, target, now, {}, () => state.db.query("INSERT OR REPLACE INTO incident_tickets (ticket_id, incident_id) VALUES (?, ?)").run(ticket.id, target));
  }
  const created = state.db
    .query<IncidentRow, [string, string, number, number]>("INSERT INTO incidents (subject, status, severity, opened_at, updated_at) VALUES (?, 'open', ?, ?, ?) RETURNING *")
    .get(ticket.subject, ticket.severity, now, now)!;
  state.db.query("INSERT OR REPLACE INTO incident_tickets (ticket_id, incident_id) VALUES (?, ?)").run(ticket.id, created.id);
  const incident = fromRow(created);
  journal(state, incident, "incident_opened", now);
  return incident;
}

/** Who resolved a ticket, for the actions its incident's resolution cancels. */
export interface ResolvedBy {
  now: number;
  actor: string;
}

/**
 * A ticket just resolved (call inside its transaction): its incident resolves with its last open
 * ticket, and the actions still proposed for it are cancelled; otherwise it is updated.
 */
export function detachResolvedTicket(state: State, ticketId: number, by: ResolvedBy): Incident | undefined {
  const incident = incidentOfTicket(state, ticketId);
  if (!incident || incident.status !== "open") return incident;
  if (incidentTickets(state, incident.id).some((t) => t.status === "open")) return rewrite(state, incident.id, by.now);
  const ticketIds = new Set(incidentTickets(state, incident.id).map((t) => t.id));
  for (const action of listActions(state, { subject: incident.subject, statuses: ["proposed"] })) {
    if (action.ticketId === null || !ticketIds.has(action.ticketId)) continue;
    transitionAction(state, action.id, { to: "cancelled", actor: by.actor, why: `incident #${incident.id} is resolved: nothing left to fix`, now: by.now });
  }
  state.db.query("UPDATE incidents SET status = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ?").run(by.now, by.now, incident.id);
  const resolved = getIncident(state, incident.id);
  journal(state, resolved, "incident_resolved", by.now);
  return resolved;
}

/** Ticket severities changed (the monitor's cycle): their open incidents follow. */
export function refreshSeverity(state: State, ticketIds: readonly number[], now: number): void {
  const ids = new Set(ticketIds.flatMap((id) => {
    const incident = incidentOfTicket(state, id);
    return incident?.status === "open" ? [incident.id] : [];
  }));
  for (const id of ids) rewrite(state, id, now);
}

export interface NamedCause {
  /** The ticket whose diagnosis named the cause. */
  ticketId: number;
  component: string;
  faultClass: string;
  summary: string;
  /** Keys the cause explains; the diagnosed ticket's own key among them, or nothing merges. */
  explains: string[];
  diagnosis: DiagnosisJson;
}

/**
 * A diagnosis named a cause for a ticket's incident: the incident takes it as its root cause and,
 * when the cause explains that ticket, absorbs every open incident with the same cause or whose
 * tickets it all explains, into the oldest. One transaction.
 * Returns the incident that holds the ticket afterwards, the ones merged into it, and whether the
 * cause explains the ticket (only then is it the incident's root cause).
 */
export function applyDiagnosis(state: State, cause: NamedCause, closedList: readonly string[] | undefined, now: number): { incident: Incident; absorbed: number[]; explained: boolean } | undefined {
  return prepared(state).db.transaction(() => {
    const own = incidentOfTicket(state, cause.ticketId);
    if (!own || own.status !== "open") return own ? { incident: own, absorbed: [], explained: false } : undefined;
    const ticketKey = incidentTickets(state, own.id).find((t) => t.id === cause.ticketId)?.key;
    const explainsOwn = ticketKey !== undefined && cause.explains.includes(ticketKey);
    const faultClass = checkedFaultClass(cause.faultClass, closedList);
    const plan = explainsOwn ? mergePlan(openViews(state, own.subject), own.id, cause.explains, `${cause.component} ${faultClass}`) : { target: own.id, absorbed: [] };
    // The merged-away incidents are journaled with the tickets they held, then those move.
    for (const id of plan.absorbed) {
      state.db.query("UPDATE incidents SET status = 'resolved', merged_into = ?, resolved_at = ?, updated_at = ? WHERE id = ?").run(plan.target, now, now, id);
      journal(state, getIncident(state, id), "incident_resolved", now);
    }
    const move = () => {
      for (const id of plan.absorbed) state.db.query("UPDATE incident_tickets SET incident_id = ? WHERE incident_id = ?").run(plan.target, id);
    };
    // A cause that does not explain the ticket it was asked about is no root cause of its incident:
    // the diagnosis is kept, the cause stays unnamed (and proposes nothing).
    const update = explainsOwn
      ? { component: cause.component, fault_class: faultClass, summary: cause.summary, explains: JSON.stringify([...new Set(cause.explains)]), diagnosis: JSON.stringify({ ...cause.diagnosis, fault_class: faultClass }) }
      : { diagnosis: JSON.stringify(cause.diagnosis) };
    return { incident: rewrite(state, plan.target, now, update, move), absorbed: plan.absorbed, explained: explainsOwn };
  }).immediate();
}

/** The cause of an open incident still explains these keys (this cycle's rules): new tickets among them join it. */
export function refreshExplains(state: State, incidentId: number, explains: readonly string[]): void {
  prepared(state).db.query("UPDATE incidents SET explains = ? WHERE id = ? AND status = 'open'").run(JSON.stringify([...new Set(explains)]), incidentId);
}
