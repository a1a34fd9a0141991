// The audit log: one row per transition (an action's status, the mode, the kill switch), with who
// and why. Rows are only ever appended, inside the same transaction as the change they record.
import type { Database } from "bun:sqlite";
import { ensureSchema, type State } from "../state/state.ts";

export interface AuditEntry {
  id: number;
  /** Epoch ms. */
  at: number;
  /** Who did it: a person (`alice`), `monitor`, `gate`, `diagnosis:llm`. */
  actor: string;
  /** What changed: `action`, `mode`. */
  entity: string;
  entityId: string | null;
  /** The verb: `proposed`, `approved`, `executing`, `mode_set`, `kill_switch`, … */
  event: string;
  fromState: string | null;
  toState: string | null;
  why: string;
  detail: Record<string, unknown> | null;
}

export type NewAuditEntry = Omit<AuditEntry, "id">;

export function ensureAuditSchema(state: State): void {
  ensureSchema(state, "audit", [
    `CREATE TABLE audit_log (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       at INTEGER NOT NULL,
       actor TEXT NOT NULL,
       entity TEXT NOT NULL,
       entity_id TEXT,
       event TEXT NOT NULL,
       from_state TEXT,
       to_state TEXT,
       why TEXT NOT NULL,
       detail TEXT
     );
     CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);`,
  ]);
}

/** Appends one entry; call it inside the transaction that makes the change. */
export function appendAudit(db: Database, entry: NewAuditEntry): void {
  db.query(
    `INSERT INTO audit_log (at, actor, entity, entity_id, event, from_state, to_state, why, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    entry.at,
    entry.actor,
    entry.entity,
    entry.entityId,
    entry.event,
    entry.fromState,
    entry.toState,
    entry.why,
    entry.detail ? JSON.stringify(entry.detail) : null,
  );
}

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  entity: string;
  entity_id: string | null;
  event: string;
  from_state: string | null;
  to_state: string | null;
  why: string;
  detail: string | null;
}

export interface AuditFilter {
  entity?: string;
  entityId?: string;
  /** Only entries with an id below this (paging back from a cursor). */
  beforeId?: number;
  /** Only entries at or after this epoch ms. */
  sinceMs?: number;
  /** The newest `limit` entries, returned oldest first. */
  limit?: number;
}

export function listAudit(state: State, filter: AuditFilter = {}): AuditEntry[] {
  ensureAuditSchema(state);
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.entity) {
    where.push("entity = ?");
    params.push(filter.entity);
  }
  if (filter.entityId) {
    where.push("entity_id = ?");
    params.push(filter.entityId);
  }
  if (filter.beforeId !== undefined) {
    where.push("id < ?");
    params.push(filter.beforeId);
  }
  if (filter.sinceMs !== undefined) {
    where.push("at >= ?");
    params.push(filter.sinceMs);
  }
  const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
  params.push(filter.limit ?? 1000);
  const rows = state.db.query<AuditRow, (string | number)[]>(sql).all(...params);
  return rows.reverse().map((r) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    entity: r.entity,
    entityId: r.entity_id,
    event: r.event,
    fromState: r.from_state,
    toState: r.to_state,
    why: r.why,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
  }));
}

/** The `--json` shape of one entry. */
export const auditJson = (e: AuditEntry) => ({
  id: e.id,
  at: new Date(e.at).toISOString(),
  actor: e.actor,
  entity: e.entity,
  entity_id: e.entityId,
  event: e.event,
  from: e.fromState,
  to: e.toState,
  why: e.why,
  ...(e.detail ? { detail: e.detail } : {}),
});
