// Action records: what was proposed, who allowed it, what it did. Every status change is one
// transaction that also appends its audit entry, so a crash at any point loses nothing.
import type { ActionResult, Risk } from "../subject/subject.ts";
import { appendJournal } from "../state/journal.ts";
import { ensureSchema, type State } from "../state/state.ts";
import { appendAudit, ensureAuditSchema } from "./audit-log.ts";

export const ACTION_STATUSES = [
  "proposed",
  "approved",
  "executing",
  "succeeded",
  "failed",
  "rejected",
  "cancelled",
  "expired",
  "needs_review",
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** Statuses an action can still leave without running: what approve, reject and the kill switch act on. */
export const PENDING_STATUSES: readonly ActionStatus[] = ["proposed", "approved"];

/**
 * How long a proposal waits for a person before it expires: an approval given much later would
 * act on a system that has moved on (a diagnosis is a reading of minutes, not hours). 15 minutes
 * is a page, an acknowledgement and a look at the evidence; `monitor --proposal-ttl` changes it.
 */
export const DEFAULT_PROPOSAL_TTL_MS = 15 * 60_000;

/**
 * The only moves an action makes. `needs_review` is where a person finds an action that was
 * `executing` when its process died: it may or may not have run, so it never runs again by itself.
 */
const NEXT: Record<ActionStatus, readonly ActionStatus[]> = {
  proposed: ["approved", "rejected", "cancelled", "expired"],
  approved: ["executing", "rejected", "cancelled"],
  executing: ["succeeded", "failed", "needs_review"],
  succeeded: [],
  failed: [],
  rejected: [],
  cancelled: [],
  expired: [],
  // A person who checked the system says whether it took effect (`operator actions resolve`).
  needs_review: ["succeeded", "failed"],
};

export const canMove = (from: ActionStatus, to: ActionStatus) => NEXT[from].includes(to);

export type Verification = "pending" | "verified" | "not_verified";

export interface ActionRecord {
  id: number;
  subject: string;
  /** The ticket whose diagnosis recommended it; null for one proposed by hand. */
  ticketId: number | null;
  name: string;
  params: Record<string, unknown>;
  risk: Risk;
  status: ActionStatus;
  proposedBy: string;
  why: string;
  createdAt: number;
  updatedAt: number;
  result: ActionResult | null;
  verification: Verification | null;
  /** Epoch ms by which the ticket's violation must have cleared for `verified`. */
  verifyBy: number | null;
  /** The process that claimed it for `executing`: a restart only reviews what a dead process left. */
  ownerPid: number | null;
  /** Epoch ms after which a proposal can no longer be approved; null for rows older than expiry. */
  expiresAt: number | null;
}

export function ensureActionSchema(state: State): void {
  ensureAuditSchema(state);
  ensureSchema(state, "actions", [
    `CREATE TABLE actions (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       subject TEXT NOT NULL,
       ticket_id INTEGER,
       name TEXT NOT NULL,
       params TEXT NOT NULL,
       risk TEXT NOT NULL,
       status TEXT NOT NULL,
       proposed_by TEXT NOT NULL,
       why TEXT NOT NULL,
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL,
       result TEXT,
       verification TEXT,
       verify_by INTEGER,
       owner_pid INTEGER
     );
     CREATE INDEX actions_status ON actions (status);
     CREATE INDEX actions_ticket ON actions (ticket_id);`,
    "ALTER TABLE actions ADD COLUMN expires_at INTEGER",
  ]);
}

interface ActionRow {
  id: number;
  subject: string;
  ticket_id: number | null;
  name: string;
  params: string;
  risk: Risk;
  status: ActionStatus;
  proposed_by: string;
  why: string;
  created_at: number;
  updated_at: number;
  result: string | null;
  verification: Verification | null;
  verify_by: number | null;
  owner_pid: number | null;
  expires_at: number | null;
}

const fromRow = (r: ActionRow): ActionRecord => ({
  id: r.id,
  subject: r.subject,
  ticketId: r.ticket_id,
  name: r.name,
  params: JSON.parse(r.params) as Record<string, unknown>,
  risk: r.risk,
  status: r.status,
  proposedBy: r.proposed_by,
  why: r.why,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  result: r.result ? (JSON.parse(r.result) as ActionResult) : null,
  verification: r.verification,
  verifyBy: r.verify_by,
  ownerPid: r.owner_pid,
  expiresAt: r.expires_at,
});

/** The journal entry of an action's transition, written in the transaction that made it. */
function journalAction(state: State, record: ActionRecord, type = `action_${record.status}`): void {
  appendJournal(state, { at: record.updatedAt, type, subject: record.subject, incidentId: undefined, payload: { action: actionJson(record) } });
}

export interface Proposal {
  subject: string;
  ticketId: number | null;
  name: string;
  params: Record<string, unknown>;
  risk: Risk;
  why: string;
  actor: string;
  now: number;
  /** How long it may wait for a person (default DEFAULT_PROPOSAL_TTL_MS). */
  ttlMs?: number;
}

/**
 * Records a proposal, unless the same action (ticket, name, params) is already pending: one
 * fault diagnosed twice proposes its fix once. `created` says which happened.
 */
export function proposeAction(state: State, p: Proposal): { record: ActionRecord; created: boolean } {
  ensureActionSchema(state);
  const params = JSON.stringify(p.params);
  return state.db.transaction(() => {
    const existing = state.db
      .query<ActionRow, [string, number | null, string, string]>(
        `SELECT * FROM actions WHERE subject = ? AND ticket_id IS ? AND name = ? AND params = ?
         AND status IN ('proposed', 'approved') ORDER BY id LIMIT 1`,
      )
      .get(p.subject, p.ticketId, p.name, params);
    if (existing) return { record: fromRow(existing), created: false };
    const row = state.db
      .query<ActionRow, (string | number | null)[]>(
        `INSERT INTO actions (subject, ticket_id, name, params, risk, status, proposed_by, why, created_at, updated_at, expires_at)
         VALUES (?, ?, ?, ?, ?, 'proposed', ?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(p.subject, p.ticketId, p.name, params, p.risk, p.actor, p.why, p.now, p.now, p.now + (p.ttlMs ?? DEFAULT_PROPOSAL_TTL_MS))!;
    appendAudit(state.db, {
      at: p.now,
      actor: p.actor,
      entity: "action",
      entityId: String(row.id),
      event: "proposed",
      fromState: null,
      toState: "proposed",
      why: p.why,
      detail: { name: p.name, params: p.params, risk: p.risk, ticket_id: p.ticketId },
    });
    const record = fromRow(row);
    journalAction(state, record);
    return { record, created: true };
  }).immediate();
}

export function getAction(state: State, id: number): ActionRecord | undefined {
  ensureActionSchema(state);
  const row = state.db.query<ActionRow, [number]>("SELECT * FROM actions WHERE id = ?").get(id);
  return row ? fromRow(row) : undefined;
}

export interface ActionFilter {
  statuses?: readonly ActionStatus[];
  subject?: string;
  ticketId?: number;
}

export function listActions(state: State, filter: ActionFilter = {}): ActionRecord[] {
  ensureActionSchema(state);
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.statuses?.length) {
    where.push(`status IN (${filter.statuses.map(() => "?").join(", ")})`);
    params.push(...filter.statuses);
  }
  if (filter.subject) {
    where.push("subject = ?");
    params.push(filter.subject);
  }
  if (filter.ticketId !== undefined) {
    where.push("ticket_id = ?");
    params.push(filter.ticketId);
  }
  const sql = `SELECT * FROM actions ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id`;
  return state.db.query<ActionRow, (string | number)[]>(sql).all(...params).map(fromRow);
}

export interface Transition {
  to: ActionStatus;
  /** Move only from these statuses (default: any status that may move to `to`). */
  from?: readonly ActionStatus[];
  actor: string;
  why: string;
  now: number;
  result?: ActionResult;
  verification?: Verification;
  verifyBy?: number;
  ownerPid?: number;
}

/**
 * Moves one action, in one transaction with its audit entry, only if its current status allows
 * it. Returns the updated record, or undefined when it was not in a status that may move there
 * (someone else got there first: another monitor claimed it, the kill switch cancelled it).
 */
export function transitionAction(state: State, id: number, t: Transition): ActionRecord | undefined {
  ensureActionSchema(state);
  const from = ACTION_STATUSES.filter((s) => canMove(s, t.to) && (t.from ?? [s]).includes(s));
  if (from.length === 0) return undefined;
  return state.db.transaction(() => {
    const before = state.db.query<ActionRow, [number]>("SELECT * FROM actions WHERE id = ?").get(id);
    if (!before || !from.includes(before.status)) return undefined;
    // Conditional on the status just read: of two processes moving one action, one wins.
    const row = state.db
      .query<ActionRow, (string | number | null)[]>(
        `UPDATE actions SET status = ?, updated_at = ?, result = COALESCE(?, result),
           verification = COALESCE(?, verification), verify_by = COALESCE(?, verify_by),
           owner_pid = COALESCE(?, owner_pid)
         WHERE id = ? AND status = ? RETURNING *`,
      )
      .get(t.to, t.now, t.result ? JSON.stringify(t.result) : null, t.verification ?? null, t.verifyBy ?? null, t.ownerPid ?? null, id, before.status);
    if (!row) return undefined;
    appendAudit(state.db, {
      at: t.now,
      actor: t.actor,
      entity: "action",
      entityId: String(id),
      event: t.to,
      fromState: before.status,
      toState: t.to,
      why: t.why,
      detail: t.result ? { result: t.result } : null,
    });
    const record = fromRow(row);
    journalAction(state, record);
    return record;
  }).immediate();
}

/** Records the outcome of verifying a finished action (`verified` / `not_verified`), with its audit entry. */
export function recordVerification(state: State, id: number, outcome: Exclude<Verification, "pending">, actor: string, why: string, now: number): ActionRecord | undefined {
  ensureActionSchema(state);
  return state.db.transaction(() => {
    const row = state.db
      .query<ActionRow, [string, number, number]>(
        "UPDATE actions SET verification = ?, updated_at = ? WHERE id = ? AND verification = 'pending' RETURNING *",
      )
      .get(outcome, now, id);
    if (!row) return undefined;
    appendAudit(state.db, {
      at: now,
      actor,
      entity: "action",
      entityId: String(id),
      event: outcome,
      fromState: "pending",
      toState: outcome,
      why,
      detail: null,
    });
    const record = fromRow(row);
    journalAction(state, record, `action_${outcome}`);
    return record;
  }).immediate();
}

/** Cancels a pending action inside the caller's transaction (the kill switch), journal and audit included. */
export function cancelInTransaction(state: State, action: ActionRecord, actor: string, why: string, now: number): ActionRecord | undefined {
  const row = state.db
    .query<ActionRow, [number, number, string]>("UPDATE actions SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = ? RETURNING *")
    .get(now, action.id, action.status);
  if (!row) return undefined;
  appendAudit(state.db, { at: now, actor, entity: "action", entityId: String(action.id), event: "cancelled", fromState: action.status, toState: "cancelled", why, detail: null });
  const record = fromRow(row);
  journalAction(state, record);
  return record;
}

/** The `--json` shape of one action. */
export const actionJson = (a: ActionRecord) => ({
  id: a.id,
  subject: a.subject,
  ticket_id: a.ticketId,
  name: a.name,
  params: a.params,
  risk: a.risk,
  status: a.status,
  proposed_by: a.proposedBy,
  why: a.why,
  created_at: new Date(a.createdAt).toISOString(),
  updated_at: new Date(a.updatedAt).toISOString(),
  result: a.result ? { ok: a.result.ok, message: a.result.message, retryable: a.result.retryable, ...(a.result.data !== undefined ? { data: a.result.data } : {}) } : null,
  verification: a.verification,
  expires_at: a.expiresAt === null ? null : new Date(a.expiresAt).toISOString(),
});
