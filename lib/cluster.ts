// The local deployment's lifecycle, for any subject that brings one: up (once), status, down
// (only what it recorded, by pid), restart one part. Every step first reverts expired faults.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { revertAll, revertExpired } from "./chaos/engine.ts";
import type { FaultRecord } from "./chaos/fault.ts";
import { sessionFor, type ChaosEnv } from "./chaos/session.ts";
import { finishRevert, listFaults } from "./chaos/store.ts";
import { DEPLOYMENT_DIR, deleteDeployment, readDeployment, writeDeployment, type DeploymentContext, type DeploymentDefinition, type DeploymentRecord, type PartStatus } from "./deployment.ts";
import { OperatorError, usageError } from "./errors.ts";
import { stopProcess, type StopOutcome } from "./process/supervisor.ts";
import { loadSubject } from "./registry.ts";
import { openState, type State } from "./state.ts";

export type ClusterEnv = ChaosEnv;

const deploymentContext = (env: ClusterEnv, state: State): DeploymentContext => ({ stateDir: state.dir, dir: join(state.dir, DEPLOYMENT_DIR), env: env.env, selfCommand: env.selfCommand, signal: env.signal, note: env.note });

async function definitionOf(subject: string): Promise<DeploymentDefinition> {
  const plugin = await loadSubject(subject);
  if (!plugin.deployment) throw usageError("no_deployment", `subject ${subject} has no local deployment: cluster up does not know how to start it`);
  return plugin.deployment;
}

async function withState<T>(env: ClusterEnv, run: (state: State, record: DeploymentRecord | undefined) => Promise<T>): Promise<T> {
  const state = openState(env.stateDir);
  try {
    const record = readDeployment(state);
    if (record) {
      const session = await sessionFor(env, state, record);
      for (const { record: f, outcome } of await revertExpired(session)) env.note(`fault #${f.id} ${f.fault} on ${f.target} had expired: ${outcome}`);
    }
    return await run(state, readDeployment(state));
  } finally {
    state.close();
  }
}

export interface ClusterView {
  record: DeploymentRecord;
  description: Record<string, unknown>;
  parts: PartStatus[];
  faults: FaultRecord[];
  healthy: boolean;
}

async function view(env: ClusterEnv, state: State, record: DeploymentRecord): Promise<ClusterView> {
  const definition = await definitionOf(record.subject);
  const parts = await definition.status(deploymentContext(env, state), record);
  return { record, description: definition.describe(record), parts, faults: listFaults(state, { activeOnly: true }), healthy: parts.every((p) => p.healthy) };
}

/** Starts the subject's deployment, or, when one is recorded, changes nothing and says so. */
export async function clusterUp(env: ClusterEnv, subject: string, options: Record<string, unknown>): Promise<ClusterView & { alreadyUp: boolean }> {
  return withState(env, async (state, existing) => {
    if (existing) return { ...(await view(env, state, existing)), alreadyUp: true };
    const definition = await definitionOf(subject);
    const record = await definition.up(deploymentContext(env, state), options).catch((error) => {
      // The subject stopped what it had started; an interrupt is not the failure it reports.
      throw env.signal.aborted ? new OperatorError("interrupted", `cluster up was interrupted: everything it had started in ${state.dir} is stopped again`, 1) : error;
    });
    writeDeployment(state, record);
    return { ...(await view(env, state, record)), alreadyUp: false };
  });
}

export async function clusterStatus(env: ClusterEnv): Promise<ClusterView | undefined> {
  return withState(env, async (state, record) => (record ? view(env, state, record) : undefined));
}

export interface StopReport {
  name: string;
  pid: number;
  outcome: StopOutcome;
}

/**
 * Reverts the active faults, stops every recorded process (newest role first, each only if its
 * pid is still the process that was started), forgets the record and removes the deployment's files.
 */
export async function clusterDown(env: ClusterEnv): Promise<{ record?: DeploymentRecord; stopped: StopReport[] }> {
  return withState(env, async (state, record) => {
    if (!record) return { stopped: [] };
    const session = await sessionFor(env, state, record);
    for (const { record: f, outcome } of await revertAll(session).catch(() => [])) env.note(`fault #${f.id} ${f.fault} on ${f.target}: ${outcome}`);
    const stopped: StopReport[] = [];
    for (const group of roleGroupsNewestFirst(record)) {
      stopped.push(...(await Promise.all(group.map(async (p) => ({ name: p.name, pid: p.pid, outcome: await stopProcess(p) })))));
    }
    await (await loadSubject(record.subject)).deployment?.down?.(deploymentContext(env, state), record);
    for (const fault of listFaults(state, { activeOnly: true })) finishRevert(state, fault.id, { verified: false, error: "the cluster was taken down before the revert", now: Date.now() });
    deleteDeployment(state);
    rmSync(join(state.dir, DEPLOYMENT_DIR), { recursive: true, force: true });
    return { record, stopped };
  });
}

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

export async function clusterRestart(env: ClusterEnv, part: string): Promise<ClusterView> {
  return withState(env, async (state, record) => {
    if (!record) throw usageError("no_cluster", `no cluster in ${state.dir}: start one with operator cluster up`);
    const definition = await definitionOf(record.subject);
    const parts = definition.restartableParts(record);
    if (!parts.includes(part)) throw usageError("unknown_part", `no part "${part}" in this cluster: use one of ${parts.join(", ")}`);
    const next = await definition.restart(deploymentContext(env, state), record, part);
    writeDeployment(state, next);
    return view(env, state, next);
  });
}
