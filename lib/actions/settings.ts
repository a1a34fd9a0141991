// Operator settings a person controls and every running monitor reads each cycle: the mode, and the
// kill switch that cancels every pending action and falls back to observe in one transaction.
import { appendJournal } from "../state/journal.ts";
import { ensureSchema, type State } from "../state/state.ts";
import { appendAudit } from "./audit-log.ts";
import { cancelInTransaction, ensureActionSchema, PENDING_STATUSES, type ActionRecord, listActions } from "./action-store.ts";

export const MODES = ["observe", "execute"] as const;
export type Mode = (typeof MODES)[number];

/** `observe` until someone says otherwise: proposing is always safe, running is a decision. */
export const DEFAULT_MODE: Mode = "observe";

export function ensureSettingsSchema(state: State): void {
  ensureActionSchema(state);
  ensureSchema(state, "settings", [
    `CREATE TABLE settings (
       name TEXT PRIMARY KEY,
       value TEXT NOT NULL,
       updated_at INTEGER NOT NULL,
       updated_by TEXT NOT NULL
     )`,
  ]);
}

export interface ModeSetting {
  mode: Mode;
  /** Epoch ms of the last change; null while the default holds. */
  updatedAt: number | null;
  updatedBy: string | null;
}

export function getMode(state: State): ModeSetting {
  ensureSettingsSchema(state);
  const row = state.db
    .query<{ value: string; updated_at: number; updated_by: string }, []>("SELECT value, updated_at, updated_by FROM settings WHERE name = 'mode'")
    .get();
  const mode = (MODES as readonly string[]).includes(row?.value ?? "") ? (row!.value as Mode) : DEFAULT_MODE;
  return { mode, updatedAt: row?.updated_at ?? null, updatedBy: row?.updated_by ?? null };
}

function writeMode(state: State, mode: Mode, actor: string, why: string, now: number, event: string): Mode {
  const before = getMode(state).mode;
  state.db
    .query("INSERT INTO settings (name, value, updated_at, updated_by) VALUES ('mode', ?, ?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by")
    .run(mode, now, actor);
  appendAudit(state.db, { at: now, actor, entity: "mode", entityId: null, event, fromState: before, toState: mode, why, detail: null });
  if (event !== "kill_switch") appendJournal(state, { at: now, type: "mode_changed", subject: undefined, incidentId: undefined, payload: { mode, previous_mode: before, actor, why } });
  return before;
}

/** Sets the mode (persisted, audited); returns the mode it replaced. */
export function setMode(state: State, mode: Mode, actor: string, why: string, now: number): Mode {
  ensureSettingsSchema(state);
  return state.db.transaction(() => writeMode(state, mode, actor, why, now, "mode_set")).immediate();
}

export interface KillSwitchOutcome {
  previousMode: Mode;
  cancelled: ActionRecord[];
  /** Actions already running: they cannot be called back, a person should watch them. */
  executing: ActionRecord[];
}

/** Cancels every pending action and sets `observe`, all in one transaction. */
export function engageKillSwitch(state: State, actor: string, why: string, now: number): KillSwitchOutcome {
  ensureSettingsSchema(state);
  return state.db.transaction(() => {
    const pending = listActions(state, { statuses: PENDING_STATUSES });
    const cancelled: ActionRecord[] = [];
    for (const action of pending) {
      const record = cancelInTransaction(state, action, actor, `kill switch: ${why}`, now);
      if (record) cancelled.push(record);
    }
    const previousMode = writeMode(state, "observe", actor, why, now, "kill_switch");
    appendJournal(state, {
      at: now, type: "kill_switch", subject: undefined, incidentId: undefined,
      payload: { mode: "observe", previous_mode: previousMode, cancelled: cancelled.map((a) => a.id), actor, why },
    });
    return { previousMode, cancelled, executing: listActions(state, { statuses: ["executing"] }) };
  }).immediate();
}

export interface MonitorCycle {
  subject: string;
  pid: number;
  /** Epoch ms when the monitor last completed a cycle. */
  at: number;
}

/**
 * Records that a monitor completed a cycle: a person approving elsewhere (the console) sees whether
 * anything is running to act on it. One row per subject, overwritten each cycle; no audit entry.
 */
export function recordMonitorCycle(state: State, cycle: MonitorCycle): void {
  ensureSettingsSchema(state);
  state.db
    .query("INSERT INTO settings (name, value, updated_at, updated_by) VALUES (?, ?, ?, 'monitor') ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
    .run(`monitor_cycle:${cycle.subject}`, JSON.stringify(cycle), cycle.at);
}

/** The last completed cycle of each subject's monitor, newest first. */
export function monitorCycles(state: State): MonitorCycle[] {
  ensureSettingsSchema(state);
  return state.db
    .query<{ value: string }, []>("SELECT value FROM settings WHERE name LIKE 'monitor_cycle:%' ORDER BY updated_at DESC")
    .all()
    .map((r) => JSON.parse(r.value) as MonitorCycle);
}
