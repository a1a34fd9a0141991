// Faults that are traffic (a client bursting at a window's edge, a flood): a detached process of
// this binary drives them for the lease (`operator chaos drive ID`). Inject starts it, revert stops
// it by pid, so the watchdog ends it at expiry even when whoever injected it is gone.
import { join } from "node:path";
import { DEPLOYMENT_DIR } from "../deployment.ts";
import { usageError } from "../errors.ts";
import { isSameProcess, type ProcessIdentity } from "../process/identity.ts";
import { spawnDetached, stopProcess } from "../process/supervisor.ts";
import type { FaultContext, FaultRecord } from "./fault.ts";
import { findFault, openChaosSession, type ChaosEnv } from "./session.ts";
import { getFault } from "./store.ts";

/** Who drives a fault, as kept in its revert plan. */
const driverOf = (fault: FaultRecord): ProcessIdentity | undefined =>
  typeof fault.revertPlan.driver_pid === "number" ? { pid: fault.revertPlan.driver_pid, startTime: Number(fault.revertPlan.driver_start_time) } : undefined;

/** Starts the fault's driver; what it returns joins the revert plan (inject returns it). */
export function startDriver(ctx: FaultContext, fault: FaultRecord): Record<string, unknown> {
  const identity = spawnDetached({
    argv: [...ctx.selfCommand, "chaos", "drive", String(fault.id), "--state-dir", ctx.stateDir],
    logFile: join(ctx.stateDir, DEPLOYMENT_DIR, "logs", `${fault.fault}-${fault.id}.log`),
    owner: ctx.stateDir,
  });
  return { driver_pid: identity.pid, driver_start_time: identity.startTime };
}

export async function stopDriver(fault: FaultRecord): Promise<void> {
  const driver = driverOf(fault);
  if (driver) await stopProcess(driver, { graceMs: 2000 });
}

export const isDriverGone = (fault: FaultRecord): boolean => {
  const driver = driverOf(fault);
  return driver === undefined || !isSameProcess(driver);
};

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
