// A chaos session: the state db, the deployment recorded there, its subject's faults, and the
// context those faults run in. Chaos acts only on the local deployment it finds here.
import { join } from "node:path";
import { DEPLOYMENT_DIR, readDeployment, restartRecordedPart, type DeploymentRecord } from "../cluster/deployment.ts";
import { usageError } from "../cli/errors.ts";
import { loadSubject } from "../subject/registry.ts";
import { openState, type State } from "../state/state.ts";
import type { SubjectPlugin } from "../subject/subject.ts";
import type { FaultContext, FaultDefinition } from "./fault.ts";
import { ensureChaosSchema } from "./store.ts";

export interface ChaosEnv {
  stateDir: string;
  /** The environment processes started by chaos inherit (cmd/ passes the process's own). */
  env: Record<string, string | undefined>;
  /** argv that starts this same binary: for the watchdog and for faults that run a process of it. */
  selfCommand: string[];
  signal: AbortSignal;
  note(text: string): void;
  /** How long a revert has to show from outside that it held (default 15 s). */
  verifyTimeoutMs?: number;
}

export interface ChaosSession {
  env: ChaosEnv;
  state: State;
  plugin: SubjectPlugin;
  faults: FaultDefinition[];
  ctx: FaultContext;
  close(): void;
}

/** Opens the state dir's deployment for chaos; no deployment is a usage error (nothing to hit). */
export async function openChaosSession(env: ChaosEnv): Promise<ChaosSession> {
  const state = openState(env.stateDir);
  try {
    ensureChaosSchema(state);
    const deployment = readDeployment(state);
    if (!deployment) throw usageError("no_cluster", `no cluster in ${state.dir}: chaos acts only on the local cluster; start one with operator cluster up`);
    return await sessionFor(env, state, deployment);
  } catch (error) {
    state.close();
    throw error;
  }
}

/** The session for a known deployment. */
export async function sessionFor(env: ChaosEnv, state: State, deployment: DeploymentRecord, given?: SubjectPlugin): Promise<ChaosSession> {
  const plugin = given ?? (await loadSubject(deployment.subject));
  const ctx: FaultContext = {
    stateDir: state.dir,
    deployment,
    selfCommand: env.selfCommand,
    async restartPart(part) {
      if (!plugin.deployment) throw usageError("no_deployment", `subject ${plugin.name} cannot restart parts`);
      // A revert finishes even after Ctrl-C (that is when --wait reverts): no abort signal here.
      const next = await restartRecordedPart(state, plugin.deployment, { stateDir: state.dir, dir: join(state.dir, DEPLOYMENT_DIR), env: env.env, selfCommand: env.selfCommand, signal: new AbortController().signal, note: env.note }, part);
      ctx.deployment = next;
      return next;
    },
  };
  return { env, state, plugin, faults: plugin.faults ?? [], ctx, close: () => state.close() };
}

export function findFault(session: ChaosSession, name: string): FaultDefinition {
  const fault = session.faults.find((f) => f.name === name);
  if (!fault) throw usageError("unknown_fault", `unknown fault "${name}": use one of ${session.faults.map((f) => f.name).join(", ")} (operator chaos list)`);
  return fault;
}

/** Re-reads the deployment, which a restart in another process may have changed. */
export function refreshDeployment(session: ChaosSession): void {
  session.ctx.deployment = readDeployment(session.state) ?? session.ctx.deployment;
}
