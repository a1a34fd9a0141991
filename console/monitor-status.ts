// Is anything running to act on an approval? The monitor records each completed cycle; the console
// (on the same host: it shares the state db file) reads it and checks the monitor's pid still lives.
import { isAlive } from "../lib/actions/action-runner.ts";
import { listActions } from "../lib/actions/action-store.ts";
import { getMode, monitorCycles } from "../lib/actions/settings.ts";
import type { State } from "../lib/state/state.ts";

/**
 * A cycle is an observation (at most 5 s by default) plus the actions it runs (15 s each by
 * default): a monitor silent for a minute is stuck or gone, whatever its interval.
 */
export const MONITOR_STALE_MS = 60_000;

export function monitorStatus(state: State, now: number, alive: (pid: number) => boolean = isAlive) {
  const monitors = monitorCycles(state).map((m) => ({
    subject: m.subject,
    pid: m.pid,
    last_cycle_at: new Date(m.at).toISOString(),
    running: now - m.at < MONITOR_STALE_MS && alive(m.pid),
  }));
  const mode = getMode(state).mode;
  const waiting = listActions(state, { statuses: ["proposed", "approved"] }).length;
  const running = monitors.some((m) => m.running);
  let warning: string | null = null;
  if (waiting > 0 && !running) warning = `${waiting} action(s) wait, but no monitor has completed a cycle in the last ${MONITOR_STALE_MS / 1000} s: an approval runs only when a monitor runs (operator monitor --mode execute)`;
  else if (waiting > 0 && mode === "observe") warning = `${waiting} action(s) wait, but the mode is observe: approved actions run only in execute mode`;
  return { mode, monitors, monitor_running: running, pending_actions: waiting, warning };
}
