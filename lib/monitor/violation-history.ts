// Violation history: one row per episode of one `invariant:resource` key (first seen, last seen,
// ended, its ticket), ticketed or not, so diagnosis and people can see what came and went.
import { ensureSchema, type State } from "../state/state.ts";
import { violationKey, type Severity, type Violation } from "../subject/subject.ts";

export interface Episode {
  /** Row id once saved. */
  id?: number;
  violation: Violation;
  /** ms since the epoch */
  firstSeenAt: number;
  lastSeenAt: number;
  endedAt?: number;
  ticketId?: number;
  /** Cycles in which the violation held. */
  cycles: number;
}

export interface EpisodeRecord {
  id: number;
  subject: string;
  key: string;
  invariant: string;
  resource: string;
  severity: Severity;
  firstSeenAt: number;
  lastSeenAt: number;
  endedAt: number | undefined;
  ticketId: number | undefined;
  cycles: number;
  lastMessage: string;
}

const migrations = [
  `CREATE TABLE violation_episodes (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     subject TEXT NOT NULL,
     key TEXT NOT NULL,
     invariant TEXT NOT NULL,
     resource TEXT NOT NULL,
     severity TEXT NOT NULL,
     first_seen_at INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL,
     ended_at INTEGER,
     ticket_id INTEGER,
     cycles INTEGER NOT NULL,
     last_message TEXT NOT NULL,
     last_evidence TEXT NOT NULL
   );
   CREATE INDEX violation_episodes_recent ON violation_episodes (subject, last_seen_at);`,
];

const prepared = (state: State): State => (ensureSchema(state, "violation_history", migrations), state);

/** Inserts new episodes and updates known ones, in one transaction; sets `id` on new ones. */
export function saveEpisodes(state: State, subject: string, episodes: Episode[]): void {
  if (episodes.length === 0) return;
  const db = prepared(state).db;
  const insert = db.query<{ id: number }, (string | number | null)[]>(
    `INSERT INTO violation_episodes (subject, key, invariant, resource, severity, first_seen_at, last_seen_at, ended_at, ticket_id, cycles, last_message, last_evidence)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  );
  const update = db.query<unknown, (string | number | null)[]>(
    `UPDATE violation_episodes SET severity = ?, last_seen_at = ?, ended_at = ?, ticket_id = ?, cycles = ?, last_message = ?, last_evidence = ? WHERE id = ?`,
  );
  db.transaction(() => {
    for (const e of episodes) {
      const v = e.violation;
      const evidence = JSON.stringify(v.evidence);
      if (e.id === undefined) {
        e.id = insert.get(subject, violationKey(v), v.invariant, v.resource, v.severity, e.firstSeenAt, e.lastSeenAt, e.endedAt ?? null, e.ticketId ?? null, e.cycles, v.message, evidence)!.id;
      } else {
        update.run(v.severity, e.lastSeenAt, e.endedAt ?? null, e.ticketId ?? null, e.cycles, v.message, evidence, e.id);
      }
    }
  }).immediate();
}

/** Episodes of `subject` seen since `sinceMs`, newest first. */
export function recentEpisodes(state: State, subject: string, sinceMs: number, limit = 200): EpisodeRecord[] {
  type Row = {
    id: number; subject: string; key: string; invariant: string; resource: string; severity: Severity; first_seen_at: number;
    last_seen_at: number; ended_at: number | null; ticket_id: number | null; cycles: number; last_message: string;
  };
  return prepared(state)
    .db.query<Row, [string, number, number]>("SELECT * FROM violation_episodes WHERE subject = ? AND last_seen_at >= ? ORDER BY last_seen_at DESC, id DESC LIMIT ?")
    .all(subject, sinceMs, limit)
    .map((r) => ({
      id: r.id, subject: r.subject, key: r.key, invariant: r.invariant, resource: r.resource, severity: r.severity,
      firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at, endedAt: r.ended_at ?? undefined,
      ticketId: r.ticket_id ?? undefined, cycles: r.cycles, lastMessage: r.last_message,
    }));
}

/** Forgets ended episodes older than `beforeMs`: history is for recent context, not an archive. */
export function pruneEpisodes(state: State, beforeMs: number): number {
  return prepared(state).db.query("DELETE FROM violation_episodes WHERE ended_at IS NOT NULL AND ended_at < ?").run(beforeMs).changes;
}

/** Closes episodes a previous run left open (it died mid-episode) that no open ticket carries on. */
export function endOrphanEpisodes(state: State, subject: string, keepTicketIds: number[], now: number): void {
  const keep = new Set(keepTicketIds);
  const db = prepared(state).db;
  db.transaction(() => {
    const open = db.query<{ id: number; ticket_id: number | null }, [string]>("SELECT id, ticket_id FROM violation_episodes WHERE subject = ? AND ended_at IS NULL").all(subject);
    const end = db.query("UPDATE violation_episodes SET ended_at = ? WHERE id = ?");
    for (const row of open) if (row.ticket_id === null || !keep.has(row.ticket_id)) end.run(now, row.id);
  }).immediate();
}

/** Episodes of `subject` still open (not ended), keyed by ticket id, for a monitor that carries on tickets. */
export function openEpisodesByTicket(state: State, subject: string): Map<number, Episode> {
  type Row = { id: number; invariant: string; resource: string; severity: Severity; first_seen_at: number; last_seen_at: number; ticket_id: number; cycles: number; last_message: string; last_evidence: string };
  const rows = prepared(state)
    .db.query<Row, [string]>("SELECT * FROM violation_episodes WHERE subject = ? AND ended_at IS NULL AND ticket_id IS NOT NULL")
    .all(subject);
  return new Map(
    rows.map((r) => [
      r.ticket_id,
      {
        id: r.id,
        violation: { invariant: r.invariant, resource: r.resource, severity: r.severity, message: r.last_message, evidence: JSON.parse(r.last_evidence) },
        firstSeenAt: r.first_seen_at,
        lastSeenAt: r.last_seen_at,
        ticketId: r.ticket_id,
        cycles: r.cycles,
      },
    ]),
  );
}
