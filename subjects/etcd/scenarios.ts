// etcd's demo chapters and eval cases as plain data: a fault, the tickets it must open, the root
// cause the diagnosis must name, and the remedy that must bring the cluster back.
import { ACTION } from "./actions.ts";
import { CLUSTER, INVARIANT, memberResource } from "./invariants.ts";
import { FAULT_CLASS } from "./rules.ts";

/** Stands for the member a fault picks when it is injected (leader-kill: whoever leads then). */
export const TARGET = "{target}";

export interface EtcdScenario {
  name: string;
  description: string;
  /** What `operator cluster up --subject etcd` needs for it. */
  deployment: { members: number; quotaBytes?: number };
  fault: { name: string; params: Record<string, unknown> };
  expect: {
    /** Invariants that must open a ticket; no other may. */
    invariants: string[];
    /** Resources of those tickets. */
    resources: string[];
    /** The diagnosis is right when its first root cause names one of these. */
    components: string[];
    faultClass: string;
  };
  /** Actions in order; each must succeed (verified) and the tickets resolve after the last. */
  remedy: { action: string; params: Record<string, unknown> }[];
}

const QUOTA_BYTES = 8 * 1024 * 1024;

export const scenarios: EtcdScenario[] = [
  {
    name: "member-kill",
    description: "one member's process is killed: the cluster keeps quorum; the operator names that member and restarts it",
    deployment: { members: 3 },
    fault: { name: "member-kill", params: { member: "etcd-2" } },
    expect: { invariants: [INVARIANT.memberDown], resources: [memberResource("etcd-2")], components: [memberResource("etcd-2")], faultClass: FAULT_CLASS.processDown },
    remedy: [{ action: ACTION.restartMember, params: { member: "etcd-2" } }],
  },
  {
    name: "member-pause",
    description: "one member is frozen with SIGSTOP: it holds its ports but answers nothing; a timeout, not a refusal, tells it apart from a crash",
    deployment: { members: 3 },
    fault: { name: "member-pause", params: { member: "etcd-3" } },
    expect: { invariants: [INVARIANT.memberDown], resources: [memberResource("etcd-3")], components: [memberResource("etcd-3")], faultClass: FAULT_CLASS.processUnresponsive },
    remedy: [{ action: ACTION.restartMember, params: { member: "etcd-3" } }],
  },
  {
    name: "leader-kill",
    description: "whoever leads is killed: one election, a new leader within seconds, no flapping; the old leader is the member to bring back",
    deployment: { members: 3 },
    fault: { name: "leader-kill", params: {} },
    expect: { invariants: [INVARIANT.memberDown], resources: [memberResource(TARGET)], components: [memberResource(TARGET)], faultClass: FAULT_CLASS.processDown },
    remedy: [{ action: ACTION.restartMember, params: { member: TARGET } }],
  },
  {
    name: "quorum-loss",
    description: "two of three members are killed: no leader, no writes; the root cause is the two members, not the cluster",
    deployment: { members: 3 },
    fault: { name: "quorum-loss", params: { members: ["etcd-2", "etcd-3"] } },
    expect: {
      invariants: [INVARIANT.noLeader, INVARIANT.memberDown],
      resources: [CLUSTER, memberResource("etcd-2"), memberResource("etcd-3")],
      components: [memberResource("etcd-2"), memberResource("etcd-3")],
      faultClass: FAULT_CLASS.processDown,
    },
    remedy: [
      { action: ACTION.restartMember, params: { member: "etcd-2" } },
      { action: ACTION.restartMember, params: { member: "etcd-3" } },
    ],
  },
  {
    name: "fill-quota",
    description: "a runaway writer fills the backend quota: NOSPACE, every write refused; compact, defragment, then disarm, in that order",
    deployment: { members: 3, quotaBytes: QUOTA_BYTES },
    fault: { name: "fill-quota", params: {} },
    expect: { invariants: [INVARIANT.dbQuota, INVARIANT.alarmActive], resources: [CLUSTER], components: [CLUSTER], faultClass: FAULT_CLASS.quotaExhausted },
    remedy: [
      { action: ACTION.compact, params: {} },
      { action: ACTION.defragment, params: {} },
      { action: ACTION.disarmAlarm, params: { alarm: "NOSPACE" } },
    ],
  },
];

const bind = (text: string, target: string) => text.replaceAll(TARGET, target);
const bindAll = (texts: string[], targets: string[]) => [...new Set(texts.flatMap((t) => (t.includes(TARGET) ? targets.map((m) => bind(t, m)) : [t])))];

/** The scenario with `{target}` replaced by the member(s) the injected fault reports it acted on. */
export function bindTargets(scenario: EtcdScenario, targets: string[]): EtcdScenario {
  return {
    ...scenario,
    expect: { ...scenario.expect, resources: bindAll(scenario.expect.resources, targets), components: bindAll(scenario.expect.components, targets) },
    remedy: scenario.remedy.flatMap((step) => {
      const member = step.params.member;
      if (typeof member !== "string" || !member.includes(TARGET)) return [step];
      return targets.map((t) => ({ ...step, params: { ...step.params, member: bind(member, t) } }));
    }),
  };
}
