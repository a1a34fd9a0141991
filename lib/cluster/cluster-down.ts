// How a local deployment ends (`cluster down`, a demo's or an eval's interrupt, a scenario's
// teardown), whatever faults are active: nothing it started is left running. Leases are cancelled,
// not reverted: a revert would restart a killed part only for it to be stopped again, and a
// restart down did not record would outlive it.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { finishRevert, forgetWatchdog, listFaults, recordedWatchdog } from "../chaos/store.ts";
import type { ClusterEnv } from "./cluster.ts";
import { DEPLOYMENT_DIR, deleteDeployment, markGoingDown, type DeploymentContext, type DeploymentRecord } from "./deployment.ts";
import type { ProcessIdentity } from "../process/identity.ts";
import { nameOf, ownedProcesses } from "../process/owner.ts";
import { stopProcess, type StopOutcome } from "../process/supervisor.ts";
import { loadSubject } from "../subject/registry.ts";
import { openState, type State } from "../state/state.ts";

export interface StopReport {
  name: string;
  pid: number;
  outcome: StopOutcome;
}

export interface DownResult {
  /** The deployment that was recorded, if any. */
  record?: DeploymentRecord;
  /** Every process down dealt with: the recorded parts (also those already gone), then what it found running. */
  stopped: StopReport[];
  /** Those still running after SIGKILL: the records are kept, so a second `cluster down` tries again. */
  notStopped: StopReport[];
}

/** How long a part found by its mark (a driver, a load, a half-started restart) has for SIGTERM. */
const UNRECORDED_GRACE_MS = 2_000;
/** Each sweep may find a process that a process of the previous one started just before it stopped. */
const MAX_SWEEPS = 3;

const isRunning = (outcome: StopOutcome) => outcome !== "gone" && outcome !== "not-ours";
/** A process by pid and start time: a pid alone may since name another process. */
const keyOf = (p: ProcessIdentity) => `${p.pid}:${p.startTime}`;

/**
 * Marks the deployment as going down (no restart is recorded after that), stops the chaos watchdog
 * (which reverts leases, and a revert may start a process), every recorded part (newest role first,
 * each only while its pid is the process that was started), then every other process that carries
 * this state dir's mark; cancels the leases; forgets the record and removes the deployment's files.
 * With no deployment recorded it still stops what carries the mark (parts of an interrupted up).
 */
export async function clusterDown(env: ClusterEnv): Promise<DownResult> {
  const state = openState(env.stateDir);
  try {
    const record = markGoingDown(state, Date.now());
    const stopped: StopReport[] = [];
    const watchdog = recordedWatchdog(state);
    if (watchdog) {
      const outcome = await stopProcess(watchdog);
      if (isRunning(outcome)) stopped.push({ name: "chaos-watchdog", pid: watchdog.pid, outcome });
    }
    for (const group of record ? roleGroupsNewestFirst(record) : []) {
      stopped.push(...(await Promise.all(group.map(async (p) => ({ name: p.name, pid: p.pid, outcome: await stopProcess(p) })))));
    }
    const tried = new Set([...(watchdog ? [watchdog] : []), ...(record?.processes ?? [])].map(keyOf));
    stopped.push(...(await stopUnrecorded(state, env.selfCommand, tried)));
    if (record) await (await loadSubject(record.subject)).deployment?.down?.(deploymentContext(env, state), record);
    const notStopped = stopped.filter((s) => s.outcome === "survived");
    if (notStopped.length > 0) return { record, stopped, notStopped };
    const now = Date.now();
    for (const fault of listFaults(state, { activeOnly: true })) finishRevert(state, fault.id, { verified: false, error: "cancelled: the cluster was taken down", now });
    forgetWatchdog(state);
    // Files before the record: a down killed in between finds the record and finishes.
    rmSync(join(state.dir, DEPLOYMENT_DIR), { recursive: true, force: true });
    deleteDeployment(state);
    return { record, stopped, notStopped };
  } finally {
    state.close();
  }
}

/** Fault drivers, detached load, a restart that was in flight, parts a killed down or up left: found by their mark. */
async function stopUnrecorded(state: State, selfCommand: string[], tried: Set<string>): Promise<StopReport[]> {
  const reports: StopReport[] = [];
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    const found = ownedProcesses(state.dir).filter((p) => !tried.has(keyOf(p)));
    if (found.length === 0) break;
    for (const p of found) tried.add(keyOf(p));
    reports.push(...(await Promise.all(found.map(async (p) => ({ name: nameOf(p.argv, selfCommand), pid: p.pid, outcome: await stopProcess(p, { graceMs: UNRECORDED_GRACE_MS }) })))));
  }
  return reports.filter((r) => isRunning(r.outcome));
}

const deploymentContext = (env: ClusterEnv, state: State): DeploymentContext => ({ stateDir: state.dir, dir: join(state.dir, DEPLOYMENT_DIR), env: env.env, selfCommand: env.selfCommand, signal: env.signal, note: env.note });

/** Consecutive processes of one role, last started first (what depends on the rest stops before it). */
function roleGroupsNewestFirst(record: DeploymentRecord) {
  const groups: DeploymentRecord["processes"][] = [];
  for (const p of [...record.processes].reverse()) {
    const last = groups.at(-1);
    if (last && last[0]!.role === p.role) last.push(p);
    else groups.push([p]);
  }
  return groups;
}
