// The body of `operator chaos drive ID`: opens the fault's chaos session (which loads its subject)
// and runs the fault's `drive` until the lease ends or the process is told to stop.
import { usageError } from "../cli/errors.ts";
import { findFault, openChaosSession, type ChaosEnv } from "./session.ts";
import { getFault } from "./store.ts";

/** The driver process's body: runs the fault's `drive` until its lease ends or the process is told to stop. */
export async function runDriver(env: ChaosEnv, id: number): Promise<void> {
  const session = await openChaosSession(env);
  try {
    const fault = getFault(session.state, id);
    if (!fault) throw usageError("unknown_fault_id", `no fault #${id} in ${session.state.dir}: operator chaos status lists them`);
    const definition = findFault(session, fault.fault);
    if (!definition.drive) throw usageError("not_driven", `fault ${fault.fault} is not traffic: nothing to drive`);
    const lease = AbortSignal.any([env.signal, AbortSignal.timeout(Math.max(0, fault.expiresAt - Date.now()))]);
    await definition.drive(session.ctx, fault, lease);
  } finally {
    session.close();
  }
}
