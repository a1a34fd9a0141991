// etcd as a subject: a real Raft cluster seen through its v3 JSON gateway and metrics, every member asked.
import * as v from "valibot";
import { defineOptions, HttpUrl, List, PositiveDuration } from "../../lib/config.ts";
import { usageError } from "../../lib/errors.ts";
import type { Subject, SubjectPlugin } from "../../lib/subject.ts";
import { actionDefinitions, ACTION, executeAction, type MemberControl } from "./actions.ts";
import { createEtcdClient } from "./client.ts";
import { invariants, THRESHOLDS } from "./invariants.ts";
import { observationErrors, observeCluster, type EtcdObservation, type MembershipMemory } from "./observe.ts";
import { createCounterHistory } from "./recent-changes.ts";
import { diagnosisRules } from "./rules.ts";

const Endpoints = v.pipe(
  List,
  v.check((urls) => urls.length > 0, "names no endpoint: use http://127.0.0.1:2379,http://127.0.0.1:22379"),
  v.check((urls) => urls.every((url) => v.is(HttpUrl, url)), "holds a URL that is not http(s): use http://127.0.0.1:2379,http://127.0.0.1:22379"),
  v.transform((urls) => urls.map((url) => url.replace(/\/+$/, ""))),
);

export const options = defineOptions({
  endpoints: { env: "OPERATOR_ETCD_ENDPOINTS", schema: Endpoints, help: "client URLs of etcd members, comma-separated (any one that answers gives the membership; every member is then asked)" },
  etcdTimeout: { env: "OPERATOR_ETCD_TIMEOUT", default: "1s", schema: PositiveDuration, help: "deadline of each request to a member: a hung member costs at most this per observation" },
});

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
    async close() {},
  };
}

const plugin: SubjectPlugin<EtcdObservation> = {
  name: "etcd",
  description: "an etcd v3 cluster (Raft): members, leader, alarms and backend quota, through the JSON gateway and /metrics of every member",
  options,
  invariants,
  actionDefinitions,
  async open(given) {
    const resolved = given as EtcdSubjectOptions;
    if (!resolved.endpoints?.length) {
      throw usageError(
        "missing_endpoints",
        "the etcd subject needs --endpoints http://127.0.0.1:2379,... (env OPERATOR_ETCD_ENDPOINTS)",
      );
    }
    return openEtcd({ ...resolved, endpoints: resolved.endpoints });
  },
};

export default plugin;
