// A connected etcd subject: observe every member, check, act. Unreachable members are data.
import type { Subject } from "../../lib/subject/subject.ts";
import { actionDefinitions, ACTION, executeAction, type MemberControl } from "./actions.ts";
import { createEtcdClient } from "./client.ts";
import { invariants, THRESHOLDS } from "./invariants.ts";
import { observationErrors, observeCluster, type EtcdObservation, type MembershipMemory } from "./observe.ts";
import { createCounterHistory } from "./recent-changes.ts";
import { diagnosisRules, FAULT_CLASS } from "./rules.ts";

export interface EtcdSubjectOptions {
  endpoints?: string[];
  etcdTimeout?: number;
  /** Set by the local deployment only: what restart_member acts through. */
  members?: MemberControl | null;
}

/** Connects to the cluster behind `endpoints`; unreachable members are observed as such, never an error. */
export function openEtcd(opts: EtcdSubjectOptions & { endpoints: string[] }): Subject<EtcdObservation> {
  const client = createEtcdClient({ timeoutMs: opts.etcdTimeout ?? 1_000 });
  const memory: MembershipMemory = { members: null, clusterId: null };
  const history = createCounterHistory({ leaderChangesMs: THRESHOLDS.leaderChangesWindowMs, proposalsFailedMs: THRESHOLDS.proposalsFailedWindowMs });
  const members = opts.members ?? null;

  async function observe(signal: AbortSignal): Promise<EtcdObservation> {
    const o = await observeCluster(client, opts.endpoints, memory, signal);
    const recent = history.record({
      at: o.at,
      members: Object.fromEntries(
        o.members.filter((m) => m.metrics).map((m) => [m.name, { leaderChanges: m.metrics!.leaderChangesSeenTotal, proposalsFailed: m.metrics!.proposalsFailedTotal }]),
      ),
    });
    return { ...o, recent, localDeployment: members !== null };
  }

  // Actions observe without recording counter samples, so they never skew the monitor's windows.
  const actionObserve = async (signal: AbortSignal): Promise<EtcdObservation> => {
    const o = await observeCluster(client, opts.endpoints, memory, signal);
    const none = { windowMs: 0, total: 0, byMember: {} };
    return { ...o, recent: { historyMs: 0, leaderChanges: none, proposalsFailed: none }, localDeployment: members !== null };
  };

  return {
    name: "etcd",
    observe,
    observationErrors,
    invariants,
    actions: () => actionDefinitions.filter((d) => d.name !== ACTION.restartMember || members !== null),
    execute: (name, params, signal) => executeAction({ client, observe: actionObserve, members }, name, params, signal),
    diagnosisRules,
    faultClasses: Object.values(FAULT_CLASS),
    async close() {},
  };
}
