// The ticket store: one ticket per open `invariant:resource` key and subject, in the state db.
// Every transition (opened, resolved) is one transaction with a note of who and why; two monitors
// on one state dir serialize on BEGIN IMMEDIATE and a unique index on the open key. A ticket belongs
// to an incident: opening and resolving one moves its incident in the same transaction.
import { usageError } from "../cli/errors.ts";
import { attachTicket, detachResolvedTicket, refreshSeverity } from "../incidents/incidents.ts";
import { appendJournal } from "../state/journal.ts";
import { ensureSchema, type State } from "../state/state.ts";
import { violationKey, type Severity, type Violation } from "../subject/subject.ts";

export type TicketStatus = "open" | "resolved";

export interface Ticket {
  id: number;
  subject: string;
  /** `invariant:resource`: the identity of the fault, unique among open tickets of a subject. */
  key: string;
  invariant: string;
  resource: string;
  severity: Severity;
  status: TicketStatus;
  /** ms since the epoch */
  openedAt: number;
  updatedAt: number;
  resolvedAt: number | undefined;
  /** When the violation was first seen, before its grace ran out (ms). */
  firstSeenAt: number;
  lastMessage: string;
  lastEvidence: Record<string, unknown>;
  /** Cycles in which the violation was observed while this ticket was open. */
  occurrences: number;
}

/** One transition of a ticket, for the audit trail. */
export interface TicketTransition {
  ticketId: number;
  at: number;
  fromStatus: TicketStatus | undefined;
  toStatus: TicketStatus;
  actor: string;
  why: string;
}

/** Who did it and why, written beside every transition. */
export interface Attribution {
  now: number;
  actor: string;
  why: string;
}

const migrations = [
  `CREATE TABLE tickets (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     subject TEXT NOT NULL,
     key TEXT NOT NULL,
     invariant TEXT NOT NULL,
     resource TEXT NOT NULL,
     severity TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
     opened_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     resolved_at INTEGER,
     first_seen_at INTEGER NOT NULL,
     last_message TEXT NOT NULL,
     last_evidence TEXT NOT NULL,
     occurrences INTEGER NOT NULL DEFAULT 1
   );
   CREATE UNIQUE INDEX tickets_open_key ON tickets (subject, key) WHERE status = 'open';
   CREATE INDEX tickets_status ON tickets (status, id);
   CREATE TABLE ticket_transitions (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     ticket_id INTEGER NOT NULL REFERENCES tickets (id),
     at INTEGER NOT NULL,
     from_status TEXT,
     to_status TEXT NOT NULL,
     actor TEXT NOT NULL,
     why TEXT NOT NULL
   );
   CREATE INDEX ticket_transitions_ticket ON ticket_transitions (ticket_id, id);`,
];

const prepared = (state: State): State => (ensureSchema(state, "tickets", migrations), state);

interface TicketRow {
  id: number;
  subject: string;
  key: string;
  invariant: string;
  resource: string;
  severity: Severity;
  status: TicketStatus;
  opened_at: number;
  updated_at: number;
  resolved_at: number | null;
  first_seen_at: number;
  last_message: string;
  last_evidence: string;
  occurrences: number;
}

function fromRow(row: TicketRow): Ticket {
  return {
    id: row.id,
    subject: row.subject,
    key: row.key,
    invariant: row.invariant,
    resource: row.resource,
    severity: row.severity,
    status: row.status,
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
    resolvedAt: row.resolved_at ?? undefined,
    firstSeenAt: row.first_seen_at,
    lastMessage: row.last_message,
    lastEvidence: JSON.parse(row.last_evidence) as Record<string, unknown>,
    occurrences: row.occurrences,
  };
}

const selectOpen = (state: State, subject: string, key: string) =>
  state.db.query<TicketRow, [string, string]>("SELECT * FROM tickets WHERE subject = ? AND key = ? AND status = 'open'").get(subject, key);

function recordTransition(state: State, ticketId: number, from: TicketStatus | undefined, to: TicketStatus, by: Attribution): void {
  state.db
    .query("INSERT INTO ticket_transitions (ticket_id, at, from_status, to_status, actor, why) VALUES (?, ?, ?, ?, ?, ?)")
    .run(ticketId, by.now, from ?? null, to, by.actor, by.why);
}

/**
 * Opens a ticket for `violation`, or returns the one already open for its key (opened by an
 * earlier run or another monitor): `created` says which. One transaction, in which the ticket
 * opens or joins its incident (`sameCause`: the incident to join when no open cause explains it).
 */
export function openTicket(
  state: State,
  input: { subject: string; violation: Violation; firstSeenAt: number; sameCause?: number } & Attribution,
): { ticket: Ticket; created: boolean; incidentId?: number } {
  const db = prepared(state).db;
  const key = violationKey(input.violation);
  return db.transaction(() => {
    const existing = selectOpen(state, input.subject, key);
    if (existing) return { ticket: fromRow(existing), created: false };
    const v = input.violation;
    const row = db
      .query<TicketRow, (string | number)[]>(
        `INSERT INTO tickets (subject, key, invariant, resource, severity, status, opened_at, updated_at, first_seen_at, last_message, last_evidence, occurrences)
         VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, 1) RETURNING *`,
      )
      .get(input.subject, key, v.invariant, v.resource, v.severity, input.now, input.now, input.firstSeenAt, v.message, JSON.stringify(v.evidence))!;
    recordTransition(state, row.id, undefined, "open", input);
    const ticket = fromRow(row);
    const incident = attachTicket(state, ticket, input.now, input.sameCause);
    appendJournal(state, { at: input.now, type: "ticket_opened", subject: ticket.subject, incidentId: incident.id, payload: { ticket: ticketJson(ticket) } });
    return { ticket, created: true, incidentId: incident.id };
  }).immediate();
}

/**
 * Records that the violations still hold (message, evidence, severity, one more occurrence) on
 * their open tickets, in one transaction. Returns the keys that have no open ticket any more
 * (a person resolved it meanwhile), so the caller can start their grace again.
 */
export function updateTickets(state: State, subject: string, violations: Violation[], now: number): string[] {
  const db = prepared(state).db;
  const update = db.query<unknown, [string, string, string, number, number]>(
    "UPDATE tickets SET severity = ?, last_message = ?, last_evidence = ?, updated_at = ?, occurrences = occurrences + 1 WHERE id = ?",
  );
  return db.transaction(() => {
    const resevered: number[] = [];
    const gone = violations.flatMap((v) => {
      const key = violationKey(v);
      const open = selectOpen(state, subject, key);
      if (!open) return [key];
      update.run(v.severity, v.message, JSON.stringify(v.evidence), now, open.id);
      if (open.severity !== v.severity) resevered.push(open.id);
      return [];
    });
    // An incident's severity is the highest of its tickets': it follows theirs.
    refreshSeverity(state, resevered, now);
    return gone;
  }).immediate();
}

/** Resolves ticket `id`; `changed` is false when it was already resolved. One transaction. */
export function resolveTicket(state: State, id: number, by: Attribution): { ticket: Ticket; changed: boolean } {
  const db = prepared(state).db;
  return db.transaction(() => {
    const row = db.query<TicketRow, [number]>("SELECT * FROM tickets WHERE id = ?").get(id);
    if (!row) throw usageError("no_such_ticket", `no ticket ${id}: see operator tickets list`);
    if (row.status === "resolved") return { ticket: fromRow(row), changed: false };
    const updated = db
      .query<TicketRow, [number, number, number]>("UPDATE tickets SET status = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ? RETURNING *")
      .get(by.now, by.now, id)!;
    recordTransition(state, id, "open", "resolved", by);
    const ticket = fromRow(updated);
    const incident = detachResolvedTicket(state, id, by);
    appendJournal(state, { at: by.now, type: "ticket_resolved", subject: ticket.subject, incidentId: incident?.id, payload: { ticket: ticketJson(ticket) } });
    return { ticket, changed: true };
  }).immediate();
}

export function getTicket(state: State, id: number): Ticket {
  const row = prepared(state).db.query<TicketRow, [number]>("SELECT * FROM tickets WHERE id = ?").get(id);
  if (!row) throw usageError("no_such_ticket", `no ticket ${id}: see operator tickets list`);
  return fromRow(row);
}

/** Newest first, at most `limit`. */
export function listTickets(state: State, filter: { status?: TicketStatus; subject?: string; limit?: number } = {}): Ticket[] {
  const rows = prepared(state)
    .db.query<TicketRow, [string | null, string | null, number]>(
      `SELECT * FROM tickets WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR subject = ?2) ORDER BY id DESC LIMIT ?3`,
    )
    .all(filter.status ?? null, filter.subject ?? null, filter.limit ?? 1_000);
  return rows.map(fromRow);
}

/** The audit trail of one ticket, oldest first. */
export function ticketTransitions(state: State, ticketId: number): TicketTransition[] {
  return prepared(state)
    .db.query<{ ticket_id: number; at: number; from_status: TicketStatus | null; to_status: TicketStatus; actor: string; why: string }, [number]>(
      "SELECT * FROM ticket_transitions WHERE ticket_id = ? ORDER BY id",
    )
    .all(ticketId)
    .map((r) => ({ ticketId: r.ticket_id, at: r.at, fromStatus: r.from_status ?? undefined, toStatus: r.to_status, actor: r.actor, why: r.why }));
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** A ticket as it appears in `--json` and in monitor events (snake_case, ISO times). */
export function ticketJson(ticket: Ticket): Record<string, unknown> {
  return {
    id: ticket.id,
    subject: ticket.subject,
    invariant: ticket.invariant,
    resource: ticket.resource,
    severity: ticket.severity,
    status: ticket.status,
    opened_at: iso(ticket.openedAt),
    updated_at: iso(ticket.updatedAt),
    resolved_at: iso(ticket.resolvedAt),
    first_seen_at: iso(ticket.firstSeenAt),
    last_message: ticket.lastMessage,
    last_evidence: ticket.lastEvidence,
    occurrences: ticket.occurrences,
  };
}

export function transitionJson(t: TicketTransition): Record<string, unknown> {
  return { at: iso(t.at), from: t.fromStatus ?? null, to: t.toStatus, actor: t.actor, why: t.why };
}
