// The watchdog's loop: reverts each fault when its lease runs out, even when the command that
// injected it was killed; leaves when nothing is active or another watchdog took over.
import { isGoingDown, readDeployment } from "../cluster/deployment.ts";
import { isSameProcess, processStartTime, type ProcessIdentity } from "../process/identity.ts";
import { abortableSleep } from "../process/wait.ts";
import { openState } from "../state/state.ts";
import { revertExpired } from "./engine.ts";
import { sessionFor, type ChaosEnv } from "./session.ts";
import { ensureChaosSchema, finishRevert, listFaults, recordedWatchdog, recordWatchdog } from "./store.ts";
import { retireIfIdle } from "./watchdog.ts";

/** The longest the watchdog sleeps between looks at the leases, ms. */
const TICK_MS = 250;

/** The watchdog's loop; returns when there is nothing left to watch or another watchdog took over. */
export async function runWatchdog(env: ChaosEnv): Promise<void> {
  const self: ProcessIdentity = { pid: process.pid, startTime: processStartTime(process.pid) ?? 0 };
  const state = openState(env.stateDir);
  try {
    ensureChaosSchema(state);
    const recorded = recordedWatchdog(state);
    if (recorded && isSameProcess(recorded) && recorded.pid !== self.pid) return;
    if (!recorded || recorded.pid !== self.pid) recordWatchdog(state, self, Date.now());
    while (!env.signal.aborted) {
      const owner = recordedWatchdog(state);
      if (owner && owner.pid !== self.pid && isSameProcess(owner)) return;
      if (retireIfIdle(state, self)) return;
      const deployment = readDeployment(state);
      if (!deployment) {
        // The cluster was taken down under the faults: nothing is left to revert.
        for (const fault of listFaults(state, { activeOnly: true })) finishRevert(state, fault.id, { verified: false, error: "the cluster was taken down before the revert", now: Date.now() });
        continue;
      }
      // Down cancels the leases itself and stops this process: a revert now would start a process only for it to be stopped.
      const session = isGoingDown(state) ? undefined : await sessionFor(env, state, deployment);
      for (const { record, outcome } of session ? await revertExpired(session) : []) {
        env.note(`${new Date().toISOString()} fault #${record.id} ${record.fault} on ${record.target}: ${outcome}${record.error ? ` (${record.error})` : ""}`);
      }
      const next = listFaults(state, { activeOnly: true }).reduce((soonest, f) => Math.min(soonest, f.expiresAt), Number.POSITIVE_INFINITY);
      await abortableSleep(session ? Math.max(10, Math.min(TICK_MS, next - Date.now())) : TICK_MS, env.signal);
    }
  } finally {
    state.close();
  }
}
