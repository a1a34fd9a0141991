// The local deployment's lifecycle, for any subject that brings one: up (once), status, restart
// one part (down is cluster-down.ts). Every step first reverts expired faults.
import { join } from "node:path";
import { revertExpired } from "../chaos/engine.ts";
import type { FaultRecord } from "../chaos/fault.ts";
import { sessionFor, type ChaosEnv } from "../chaos/session.ts";
import { listFaults } from "../chaos/store.ts";
import { DEPLOYMENT_DIR, isGoingDown, readDeployment, restartRecordedPart, writeDeployment, type DeploymentContext, type DeploymentDefinition, type DeploymentRecord, type PartStatus } from "./deployment.ts";
import { OperatorError, usageError } from "../cli/errors.ts";
import { loadSubject } from "../subject/registry.ts";
import { openState, type State } from "../state/state.ts";

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
    if (record && !isGoingDown(state)) {
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
    if (existing && isGoingDown(state)) throw usageError("cluster_going_down", `a cluster down in ${state.dir} did not finish: run operator cluster down --state-dir ${state.dir} again, then cluster up`);
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

export async function clusterRestart(env: ClusterEnv, part: string): Promise<ClusterView> {
  return withState(env, async (state, record) => {
    if (!record) throw usageError("no_cluster", `no cluster in ${state.dir}: start one with operator cluster up`);
    const definition = await definitionOf(record.subject);
    const parts = definition.restartableParts(record);
    if (!parts.includes(part)) throw usageError("unknown_part", `no part "${part}" in this cluster: use one of ${parts.join(", ")}`);
    const next = await restartRecordedPart(state, definition, deploymentContext(env, state), part);
    return view(env, state, next);
  });
}
