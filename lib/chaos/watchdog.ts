// Who watches the leases: one detached watchdog process per state dir, recorded in the state db,
// started by whoever records a fault and finds none alive.
import { join } from "node:path";
import { isSameProcess, type ProcessIdentity } from "../process/identity.ts";
import { spawnDetached } from "../process/supervisor.ts";
import type { State } from "../state/state.ts";
import { ACTIVE_STATUSES, recordedWatchdog, recordWatchdog } from "./store.ts";

export const WATCHDOG_LOG = "chaos-watchdog.log";

/** Starts the watchdog for `state` unless a live one is recorded (checked and recorded in one transaction). */
export function ensureWatchdog(state: State, selfCommand: string[]): void {
  state.db.transaction(() => {
    const current = recordedWatchdog(state);
    if (current && isSameProcess(current)) return;
    const identity = spawnDetached({ argv: [...selfCommand, "chaos", "watchdog", "--state-dir", state.dir], logFile: join(state.dir, WATCHDOG_LOG), owner: state.dir });
    recordWatchdog(state, identity, Date.now());
  }).immediate();
}

/**
 * Leaves (forgetting itself) only when no fault is active, in one transaction with that check, so a
 * fault recorded meanwhile either sees no watchdog (and starts one) or keeps this one running.
 */
export function retireIfIdle(state: State, self: ProcessIdentity): boolean {
  return state.db.transaction(() => {
    const active = state.db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM chaos_faults WHERE status IN (${ACTIVE_STATUSES.map((s) => `'${s}'`).join(", ")})`).get()!.n;
    if (active > 0) return false;
    state.db.query("DELETE FROM chaos_watchdog WHERE pid = ? AND start_time = ?").run(self.pid, self.startTime);
    return true;
  }).immediate();
}
