// Fault leases in the state db: written before a fault is injected, claimed by whoever reverts
// it (the command, `--wait`, the watchdog), so that a revert runs once even when several try.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { isSameProcess, type ProcessIdentity } from "../process/identity.ts";
import type { SQLQueryBindings } from "bun:sqlite";
import { ensureSchema, openState, STATE_DB_FILE, type State } from "../state/state.ts";
import type { FaultPlan, FaultRecord, FaultStatus } from "./fault.ts";

const MIGRATIONS = [
  `CREATE TABLE chaos_faults (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     fault TEXT NOT NULL, subject TEXT NOT NULL, target TEXT NOT NULL, target_identity TEXT NOT NULL,
     params TEXT NOT NULL, revert_plan TEXT NOT NULL, summary TEXT NOT NULL, status TEXT NOT NULL,
     duration_ms INTEGER NOT NULL, injected_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, reverted_at INTEGER, verified INTEGER, error TEXT,
     reverter_pid INTEGER, reverter_start INTEGER, next_attempt_at INTEGER NOT NULL DEFAULT 0)`,
  "CREATE TABLE chaos_watchdog (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, start_time INTEGER NOT NULL, started_at INTEGER NOT NULL)",
];

type Bindings = SQLQueryBindings[];

export const ACTIVE_STATUSES: FaultStatus[] = ["injecting", "active", "reverting"];

interface FaultRow {
  id: number;
  fault: string;
  subject: string;
  target: string;
  target_identity: string;
  params: string;
  revert_plan: string;
  summary: string;
  status: FaultStatus;
  duration_ms: number;
  injected_at: number;
  expires_at: number;
  reverted_at: number | null;
  verified: number | null;
  error: string | null;
  reverter_pid: number | null;
  reverter_start: number | null;
  next_attempt_at: number;
}

const fromRow = (row: FaultRow): FaultRecord => ({
  id: row.id,
  fault: row.fault,
  subject: row.subject,
  target: row.target,
  targetIdentity: JSON.parse(row.target_identity),
  params: JSON.parse(row.params),
  revertPlan: JSON.parse(row.revert_plan),
  summary: row.summary,
  status: row.status,
  durationMs: row.duration_ms,
  injectedAt: row.injected_at,
  expiresAt: row.expires_at,
  revertedAt: row.reverted_at,
  verified: row.verified === null ? null : row.verified === 1,
  error: row.error,
});

export function ensureChaosSchema(state: State): void {
  ensureSchema(state, "chaos", MIGRATIONS);
}

/** While injecting, the lease is provisional: the watchdog takes over only if the injector vanished this long. */
const INJECT_GRACE_MS = 60_000;

/** Records a lease before the fault is injected (status `injecting`); its real expiry is set once it is in place. */
export function recordFault(state: State, input: { fault: string; subject: string; params: Record<string, unknown>; plan: FaultPlan; durationMs: number; now: number }): FaultRecord {
  ensureChaosSchema(state);
  const row = state.db
    .query<FaultRow, Bindings>(
      `INSERT INTO chaos_faults (fault, subject, target, target_identity, params, revert_plan, summary, status, duration_ms, injected_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'injecting', ?, ?, ?) RETURNING *`,
    )
    .get(input.fault, input.subject, input.plan.target.resource, JSON.stringify(input.plan.target.identity), JSON.stringify(input.params), JSON.stringify(input.plan.revert), input.plan.summary, input.durationMs, input.now, input.now + input.durationMs + INJECT_GRACE_MS)!;
  return fromRow(row);
}

/** The fault is in place: its lease runs from now; `revertPlan` adds what inject learned (a pid). */
export function markInjected(state: State, id: number, injectedAt: number, expiresAt: number, revertPlan: Record<string, unknown>): FaultRecord {
  const row = state.db
    .query<FaultRow, Bindings>("UPDATE chaos_faults SET status = 'active', injected_at = ?, expires_at = ?, revert_plan = ? WHERE id = ? AND status = 'injecting' RETURNING *")
    .get(injectedAt, expiresAt, JSON.stringify(revertPlan), id);
  return fromRow(row ?? getRow(state, id)!);
}

function getRow(state: State, id: number): FaultRow | undefined {
  ensureChaosSchema(state);
  return state.db.query<FaultRow, [number]>("SELECT * FROM chaos_faults WHERE id = ?").get(id) ?? undefined;
}

export function getFault(state: State, id: number): FaultRecord | undefined {
  const row = getRow(state, id);
  return row && fromRow(row);
}

export function listFaults(state: State, options: { activeOnly?: boolean; limit?: number } = {}): FaultRecord[] {
  ensureChaosSchema(state);
  const where = options.activeOnly ? `WHERE status IN (${ACTIVE_STATUSES.map((s) => `'${s}'`).join(", ")})` : "";
  return state.db
    .query<FaultRow, [number]>(`SELECT * FROM chaos_faults ${where} ORDER BY id DESC LIMIT ?`)
    .all(options.limit ?? 1000)
    .map(fromRow)
    .reverse();
}

/**
 * The faults in force in `stateDir` (injecting, active or being reverted), oldest first; empty when
 * there is no state. For other readers: loadgen's progress, the monitor, demos and evals.
 */
export function activeFaultsOf(stateDir: string): FaultRecord[] {
  if (!existsSync(join(resolve(stateDir), STATE_DB_FILE))) return [];
  const state = openState(stateDir);
  try {
    return listFaults(state, { activeOnly: true });
  } finally {
    state.close();
  }
}

export type Claim = { claimed: FaultRecord } | { done: FaultRecord } | { busy: FaultRecord };

/**
 * Takes the right to revert fault `id` for `self`: granted when it is active or injecting, or
 * when its reverter died; `done` when it is already reverted; `busy` while a live reverter works.
 */
export function claimRevert(state: State, id: number, self: ProcessIdentity, now: number): Claim | undefined {
  return state.db.transaction((): Claim | undefined => {
    const row = getRow(state, id);
    if (!row) return undefined;
    if (row.status === "reverted") return { done: fromRow(row) };
    const reverter = row.reverter_pid === null ? undefined : { pid: row.reverter_pid, startTime: row.reverter_start ?? -1 };
    const isMine = reverter?.pid === self.pid && reverter.startTime === self.startTime;
    if (row.status === "reverting" && reverter && !isMine && isSameProcess(reverter)) return { busy: fromRow(row) };
    const claimed = state.db
      .query<FaultRow, Bindings>("UPDATE chaos_faults SET status = 'reverting', reverter_pid = ?, reverter_start = ?, next_attempt_at = ? WHERE id = ? RETURNING *")
      .get(self.pid, self.startTime, now, id)!;
    return { claimed: fromRow(claimed) };
  }).immediate();
}

/** The revert held and was verified (or, with `verified: false`, the target is gone for good). */
export function finishRevert(state: State, id: number, outcome: { verified: boolean; error?: string; now: number }): FaultRecord {
  return fromRow(
    state.db
      .query<FaultRow, Bindings>("UPDATE chaos_faults SET status = 'reverted', reverted_at = ?, verified = ?, error = ?, reverter_pid = NULL WHERE id = ? RETURNING *")
      .get(outcome.now, outcome.verified ? 1 : 0, outcome.error ?? null, id)!,
  );
}

/** The revert did not hold: the fault stays active; the watchdog tries again from `retryAt`. */
export function failRevert(state: State, id: number, error: string, retryAt: number): FaultRecord {
  return fromRow(
    state.db
      .query<FaultRow, Bindings>("UPDATE chaos_faults SET status = 'active', verified = 0, error = ?, reverter_pid = NULL, next_attempt_at = ? WHERE id = ? RETURNING *")
      .get(error, retryAt, id)!,
  );
}

/** Active faults whose lease has run out and whose next attempt is due. */
export function dueFaults(state: State, now: number): FaultRecord[] {
  ensureChaosSchema(state);
  return state.db
    .query<FaultRow, [number, number]>(`SELECT * FROM chaos_faults WHERE status IN ('injecting', 'active', 'reverting') AND expires_at <= ? AND next_attempt_at <= ? ORDER BY id`)
    .all(now, now)
    .map(fromRow);
}

export function recordedWatchdog(state: State): ProcessIdentity | undefined {
  ensureChaosSchema(state);
  const row = state.db.query<{ pid: number; start_time: number }, []>("SELECT pid, start_time FROM chaos_watchdog WHERE id = 1").get();
  return row ? { pid: row.pid, startTime: row.start_time } : undefined;
}

/** Forgets the watchdog (it was stopped with the cluster). */
export function forgetWatchdog(state: State): void {
  ensureChaosSchema(state);
  state.db.query("DELETE FROM chaos_watchdog").run();
}

export function recordWatchdog(state: State, identity: ProcessIdentity, now: number): void {
  ensureChaosSchema(state);
  state.db
    .query("INSERT INTO chaos_watchdog (id, pid, start_time, started_at) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET pid = excluded.pid, start_time = excluded.start_time, started_at = excluded.started_at")
    .run(identity.pid, identity.startTime, now);
}
