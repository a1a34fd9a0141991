// The journal: an append-only, numbered record of what the operator changed in the state (incident
// transitions, tickets, actions, mode), written in the same transaction as the change it records.
// Whoever follows the operator reads it by id: the console's event stream resumes from a
// Last-Event-ID, notifications deliver each incident transition at least once from their cursor.
import { ensureSchema, type State } from "./state.ts";

export interface JournalEntry {
  /** Strictly increasing; never reused, even after pruning (AUTOINCREMENT). */
  id: number;
  /** ms since the epoch */
  at: number;
  /** Event type in the monitor's vocabulary: `incident_opened`, `ticket_resolved`, `action_approved`, ... */
  type: string;
  subject: string | undefined;
  incidentId: number | undefined;
  payload: Record<string, unknown>;
}

export type NewJournalEntry = Omit<JournalEntry, "id">;

const migrations = [
  `CREATE TABLE journal (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     type TEXT NOT NULL,
     subject TEXT,
     incident_id INTEGER,
     payload TEXT NOT NULL
   );
   CREATE INDEX journal_incident ON journal (incident_id, id);
   CREATE INDEX journal_at ON journal (at);`,
];

const prepared = (state: State): State => (ensureSchema(state, "journal", migrations), state);

interface JournalRow {
  id: number;
  at: number;
  type: string;
  subject: string | null;
  incident_id: number | null;
  payload: string;
}

const fromRow = (row: JournalRow): JournalEntry => ({
  id: row.id,
  at: row.at,
  type: row.type,
  subject: row.subject ?? undefined,
  incidentId: row.incident_id ?? undefined,
  payload: JSON.parse(row.payload) as Record<string, unknown>,
});

/**
 * Appends one entry and returns its id. Call it inside the transaction that makes the change it
 * records, so that a crash keeps both or neither.
 */
export function appendJournal(state: State, entry: NewJournalEntry): number {
  const row = prepared(state)
    .db.query<{ id: number }, [number, string, string | null, number | null, string]>(
      "INSERT INTO journal (at, type, subject, incident_id, payload) VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .get(entry.at, entry.type, entry.subject ?? null, entry.incidentId ?? null, JSON.stringify(entry.payload));
  return row!.id;
}

export interface JournalQuery {
  /** Entries with an id greater than this (0: from the start). */
  afterId: number;
  limit: number;
  /** Only these types; all when absent. */
  types?: readonly string[];
}

/** Entries after `afterId`, oldest first, at most `limit`. */
export function readJournal(state: State, query: JournalQuery): JournalEntry[] {
  const types = query.types ?? [];
  const typeFilter = types.length > 0 ? `AND type IN (${types.map(() => "?").join(", ")})` : "";
  return prepared(state)
    .db.query<JournalRow, (string | number)[]>(`SELECT * FROM journal WHERE id > ? ${typeFilter} ORDER BY id LIMIT ?`)
    .all(query.afterId, ...types, query.limit)
    .map(fromRow);
}

/** The newest entry's id, 0 when the journal is empty. */
export function lastJournalId(state: State): number {
  return prepared(state).db.query<{ id: number | null }, []>("SELECT MAX(id) AS id FROM journal").get()?.id ?? 0;
}

/** Deletes entries older than `before` (ms); returns how many went. */
export function pruneJournal(state: State, before: number): number {
  return prepared(state).db.query("DELETE FROM journal WHERE at < ?").run(before).changes;
}
