// Faults that are traffic (a client bursting at a window's edge, a flood): a detached process of
// this binary drives them for the lease (`operator chaos drive ID`). Inject starts it, revert stops
// it by pid, so the watchdog ends it at expiry even when whoever injected it is gone. This file is
// what a subject's fault uses; the process's body is in run-driver.ts, which loads subjects.
import { join } from "node:path";
import { DEPLOYMENT_DIR } from "../cluster/deployment.ts";
import { isSameProcess, type ProcessIdentity } from "../process/identity.ts";
import { spawnDetached, stopProcess } from "../process/supervisor.ts";
import type { FaultContext, FaultRecord } from "./fault.ts";

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
