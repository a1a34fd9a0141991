// The outbox's delivery side: the journal holds every incident transition (written in the
// transaction that changed the incident); these tables record, per target, how far the journal
// was read, each transition's delivery (pending, sent, failed, skipped), and each incident the
// target heard of (its thread: Alertmanager's fixed labels, the last state sent).
import { randomBytes } from "node:crypto";
import { readJournal } from "../state/journal.ts";
import { ensureSchema, type State } from "../state/state.ts";
import type { NotifyTarget } from "./target.ts";
import { INCIDENT_TRANSITIONS, isTransitionEntry, transitionOf, type IncidentSnapshot, type Transition } from "./transition.ts";

export const DELIVERY_STATUSES = ["pending", "sent", "failed", "skipped"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

const migrations = [
  `CREATE TABLE notify_identity (id TEXT NOT NULL);
   CREATE TABLE notify_targets (
     id TEXT PRIMARY KEY, kind TEXT NOT NULL, display TEXT NOT NULL,
     after_journal_id INTEGER NOT NULL, added_at INTEGER NOT NULL
   );
   CREATE TABLE notify_deliveries (
     target_id TEXT NOT NULL, journal_id INTEGER NOT NULL, incident_id INTEGER NOT NULL,
     type TEXT NOT NULL, at INTEGER NOT NULL, transition TEXT NOT NULL,
     status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
     last_error TEXT, note TEXT, sent_at INTEGER,
     PRIMARY KEY (target_id, journal_id)
   );
   CREATE INDEX notify_deliveries_status ON notify_deliveries (status, target_id, incident_id, journal_id);
   CREATE TABLE notify_threads (
     target_id TEXT NOT NULL, incident_id INTEGER NOT NULL, labels TEXT NOT NULL, starts_at INTEGER NOT NULL,
     snapshot TEXT NOT NULL, open INTEGER NOT NULL, last_sent_at INTEGER NOT NULL,
     PRIMARY KEY (target_id, incident_id)
   );`,
];

const prepared = (state: State): State => (ensureSchema(state, "notify", migrations), state);

/** This state dir's id, generated once: half of every incident key. */
export function installId(state: State): string {
  const db = prepared(state).db;
  return db.transaction(() => {
    const row = db.query<{ id: string }, []>("SELECT id FROM notify_identity").get();
    if (row) return row.id;
    const id = randomBytes(6).toString("hex");
    db.query("INSERT INTO notify_identity (id) VALUES (?)").run(id);
    return id;
  }).immediate();
}

/**
 * Reads the journal past this target's cursor into pending deliveries (idempotent: two monitors
 * may run it). A target seen for the first time starts at the journal's end, with the latest
 * transition of each incident still open, so it hears of those at once and of no old history.
 */
export function enqueueTransitions(state: State, target: NotifyTarget, now: number, batch = 500): number {
  const db = prepared(state).db;
  const cursorOf = () => db.query<{ after_journal_id: number }, [string]>("SELECT after_journal_id FROM notify_targets WHERE id = ?").get(target.id)?.after_journal_id;
  // Most passes find nothing new: they read, and take no write lock.
  const seen = cursorOf();
  if (seen !== undefined && readJournal(state, { afterId: seen, limit: 1, types: INCIDENT_TRANSITIONS }).length === 0) return 0;
  return db.transaction(() => {
    const cursor = cursorOf();
    let transitions: Transition[];
    if (cursor !== undefined) {
      const entries = readJournal(state, { afterId: cursor, limit: batch, types: INCIDENT_TRANSITIONS });
      transitions = entries.filter(isTransitionEntry).map(transitionOf);
      if (entries.length) db.query("UPDATE notify_targets SET after_journal_id = ?, display = ? WHERE id = ?").run(entries.at(-1)!.id, target.display, target.id);
    } else {
      const { open, end } = stillOpen(state);
      transitions = open;
      db.query("INSERT INTO notify_targets (id, kind, display, after_journal_id, added_at) VALUES (?, ?, ?, ?, ?)").run(target.id, target.kind, target.display, end, now);
    }
    const insert = db.query(
      `INSERT OR IGNORE INTO notify_deliveries (target_id, journal_id, incident_id, type, at, transition, status, next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`,
    );
    let added = 0;
    for (const t of transitions) added += insert.run(target.id, t.journalId, t.incident.id, t.type, t.at, JSON.stringify(t), t.at).changes;
    return added;
  }).immediate();
}

/** The latest transition of each incident not resolved, and the journal's last incident entry. */
function stillOpen(state: State): { open: Transition[]; end: number } {
  const latest = new Map<number, Transition>();
  let end = 0;
  for (;;) {
    const page = readJournal(state, { afterId: end, limit: 5_000, types: INCIDENT_TRANSITIONS });
    if (page.length === 0) break;
    for (const t of page.filter(isTransitionEntry).map(transitionOf)) latest.set(t.incident.id, t);
    end = page.at(-1)!.id;
  }
  return { open: [...latest.values()].filter((t) => t.type !== "incident_resolved"), end };
}

export interface Delivery {
  targetId: string;
  journalId: number;
  incidentId: number;
  transition: Transition;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | undefined;
  note: string | undefined;
  sentAt: number | undefined;
}

interface DeliveryRow {
  target_id: string; journal_id: number; incident_id: number; transition: string; status: DeliveryStatus;
  attempts: number; next_attempt_at: number; last_error: string | null; note: string | null; sent_at: number | null;
}

const fromRow = (r: DeliveryRow): Delivery => ({
  targetId: r.target_id, journalId: r.journal_id, incidentId: r.incident_id, transition: JSON.parse(r.transition) as Transition,
  status: r.status, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error ?? undefined,
  note: r.note ?? undefined, sentAt: r.sent_at ?? undefined,
});

/** A target's pending deliveries, per incident, oldest first. */
export function pendingByIncident(state: State, targetId: string): Map<number, Delivery[]> {
  const rows = prepared(state).db
    .query<DeliveryRow, [string]>("SELECT * FROM notify_deliveries WHERE target_id = ? AND status = 'pending' ORDER BY incident_id, journal_id")
    .all(targetId);
  const byIncident = new Map<number, Delivery[]>();
  for (const row of rows) byIncident.set(row.incident_id, [...(byIncident.get(row.incident_id) ?? []), fromRow(row)]);
  return byIncident;
}

/**
 * Takes a pending row for one attempt: its next attempt moves to `leaseUntil`, so another process
 * leaves it alone, and a process killed mid-request has it retried once the lease is over.
 */
export function claimDelivery(state: State, d: Delivery, leaseUntil: number): boolean {
  return prepared(state).db
    .query("UPDATE notify_deliveries SET next_attempt_at = ? WHERE target_id = ? AND journal_id = ? AND status = 'pending' AND next_attempt_at = ?")
    .run(leaseUntil, d.targetId, d.journalId, d.nextAttemptAt).changes === 1;
}

export function setNextAttempt(state: State, targetId: string, journalId: number, at: number): void {
  prepared(state).db.query("UPDATE notify_deliveries SET next_attempt_at = ? WHERE target_id = ? AND journal_id = ? AND status = 'pending'").run(at, targetId, journalId);
}

export interface DeliveryUpdate {
  status: DeliveryStatus;
  /** Counts one attempt on these rows. */
  attempted: boolean;
  nextAttemptAt?: number;
  error?: string;
  note?: string;
}

export function recordDeliveries(state: State, targetId: string, journalIds: readonly number[], update: DeliveryUpdate, now: number): void {
  const db = prepared(state).db;
  const query = db.query(
    `UPDATE notify_deliveries SET status = ?, attempts = attempts + ?, next_attempt_at = COALESCE(?, next_attempt_at),
       last_error = COALESCE(?, last_error), note = COALESCE(?, note), sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END
     WHERE target_id = ? AND journal_id = ?`,
  );
  db.transaction(() => {
    for (const id of journalIds) {
      query.run(update.status, update.attempted ? 1 : 0, update.nextAttemptAt ?? null, update.error ?? null, update.note ?? null, update.status, now, targetId, id);
    }
  })();
}

export interface Thread {
  targetId: string;
  incidentId: number;
  /** Alertmanager's label set, fixed at the first message. */
  labels: Record<string, string>;
  startsAt: number;
  /** The incident as last sent. */
  snapshot: IncidentSnapshot;
  open: boolean;
  lastSentAt: number;
}

interface ThreadRow { target_id: string; incident_id: number; labels: string; starts_at: number; snapshot: string; open: number; last_sent_at: number }
const threadFromRow = (r: ThreadRow): Thread => ({
  targetId: r.target_id, incidentId: r.incident_id, labels: JSON.parse(r.labels) as Record<string, string>, startsAt: r.starts_at,
  snapshot: JSON.parse(r.snapshot) as IncidentSnapshot, open: r.open === 1, lastSentAt: r.last_sent_at,
});

export function getThread(state: State, targetId: string, incidentId: number): Thread | undefined {
  const row = prepared(state).db.query<ThreadRow, [string, number]>("SELECT * FROM notify_threads WHERE target_id = ? AND incident_id = ?").get(targetId, incidentId);
  return row ? threadFromRow(row) : undefined;
}

export function saveThread(state: State, t: Thread): void {
  prepared(state).db
    .query(
      `INSERT INTO notify_threads (target_id, incident_id, labels, starts_at, snapshot, open, last_sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (target_id, incident_id) DO UPDATE SET snapshot = excluded.snapshot, open = excluded.open, last_sent_at = excluded.last_sent_at`,
    )
    .run(t.targetId, t.incidentId, JSON.stringify(t.labels), t.startsAt, JSON.stringify(t.snapshot), t.open ? 1 : 0, t.lastSentAt);
}

/** Open threads last sent before `sentBefore` and with nothing pending: Alertmanager's re-sends. */
export function staleOpenThreads(state: State, targetId: string, sentBefore: number): Thread[] {
  return prepared(state).db
    .query<ThreadRow, [string, number]>(
      `SELECT * FROM notify_threads t WHERE target_id = ? AND open = 1 AND last_sent_at < ?
         AND NOT EXISTS (SELECT 1 FROM notify_deliveries d WHERE d.target_id = t.target_id AND d.incident_id = t.incident_id AND d.status = 'pending')`,
    )
    .all(targetId, sentBefore)
    .map(threadFromRow);
}

export interface DeliveryListing extends Delivery {
  target: string;
  kind: string;
}

export function listDeliveries(state: State, query: { status?: DeliveryStatus; limit: number }): DeliveryListing[] {
  const where = query.status ? "WHERE d.status = ?" : "";
  const params: (string | number)[] = query.status ? [query.status, query.limit] : [query.limit];
  return prepared(state).db
    .query<DeliveryRow & { display: string; kind: string }, (string | number)[]>(
      `SELECT d.*, t.display, t.kind FROM notify_deliveries d JOIN notify_targets t ON t.id = d.target_id ${where} ORDER BY d.journal_id DESC, t.display LIMIT ?`,
    )
    .all(...params)
    .map((r) => ({ ...fromRow(r), target: r.display, kind: r.kind }));
}

export interface TargetCounts { target: string; kind: string; pending: number; sent: number; failed: number; skipped: number }

/** Deliveries per target and status: what the metrics and `notifications list` count. */
export function countDeliveries(state: State): TargetCounts[] {
  const rows = prepared(state).db
    .query<{ display: string; kind: string; status: DeliveryStatus | null; n: number }, []>(
      "SELECT t.display, t.kind, d.status, COUNT(d.status) AS n FROM notify_targets t LEFT JOIN notify_deliveries d ON d.target_id = t.id GROUP BY t.id, d.status ORDER BY t.display",
    )
    .all();
  const byTarget = new Map<string, TargetCounts>();
  for (const r of rows) {
    const counts = byTarget.get(r.display) ?? { target: r.display, kind: r.kind, pending: 0, sent: 0, failed: 0, skipped: 0 };
    if (r.status) counts[r.status] += r.n;
    byTarget.set(r.display, counts);
  }
  return [...byTarget.values()];
}

/** Drops finished deliveries and closed threads older than `before` (ms); returns how many went. */
export function pruneDeliveries(state: State, before: number): number {
  const db = prepared(state).db;
  return (
    db.query("DELETE FROM notify_deliveries WHERE status != 'pending' AND at < ?").run(before).changes +
    db.query("DELETE FROM notify_threads WHERE open = 0 AND last_sent_at < ?").run(before).changes
  );
}
