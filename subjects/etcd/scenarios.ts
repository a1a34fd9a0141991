// etcd's demo chapters and eval cases in the shared shape of lib/scenario/scenario.ts: a fault, the tickets
// it must open, the root cause the diagnosis must name, the remedy that must bring the cluster back.
// `{leader}` stands for the member leader-kill hit (its fault record's target is `member:{leader}`),
// which only the running cluster knows: `bindScenario` fills it in.
import type { Scenario } from "../../lib/scenario/scenario.ts";
import type { Variation } from "../../lib/scenario/scenario-variant.ts";
import { ACTION } from "./actions.ts";
import { CLUSTER, INVARIANT, memberResource } from "./invariants.ts";
import { FAULT_CLASS } from "./rules.ts";

export const LEADER = "{leader}";

/** Every grace involved is at most 15 s (db_quota); the rest is a monitor interval and an election. */
const DEADLINE_MS = 45_000;
/** Long enough for a person to watch the diagnosis and approve the remedy; the watchdog reverts after. */
const FAULT_DURATION_MS = 180_000;
const THREE_MEMBERS = { members: "3" };
const LOAD = { rate: 20, keys: 100 };

const detections = (invariants: string[], resources: string[]) => invariants.flatMap((invariant) => resources.map((resource) => ({ invariant, resource })));

export const scenarios: Scenario[] = [
  {
    name: "etcd-member-kill",
    subject: "etcd",
    title: "A member crashes",
    narration: "etcd-2 is killed with SIGKILL. The other two keep quorum and a leader; the operator names etcd-2's process (connections refused) and proposes restarting it.",
    deployment: THREE_MEMBERS,
    workload: LOAD,
    faults: [{ fault: "member-kill", params: { member: "etcd-2" }, durationMs: FAULT_DURATION_MS }],
    expect: { detections: detections([INVARIANT.memberDown], [memberResource("etcd-2")]), deadlineMs: DEADLINE_MS, components: [memberResource("etcd-2")], faultClass: FAULT_CLASS.processDown },
    remedy: [{ action: ACTION.restartMember, params: { member: "etcd-2" } }],
  },
  {
    name: "etcd-member-pause",
    subject: "etcd",
    title: "A member hangs",
    narration: "etcd-3 is frozen with SIGSTOP: it holds its ports but answers nothing. A timeout, not a refusal, tells a hung process from a crash.",
    deployment: THREE_MEMBERS,
    workload: LOAD,
    faults: [{ fault: "member-pause", params: { member: "etcd-3" }, durationMs: FAULT_DURATION_MS }],
    expect: { detections: detections([INVARIANT.memberDown], [memberResource("etcd-3")]), deadlineMs: DEADLINE_MS, components: [memberResource("etcd-3")], faultClass: FAULT_CLASS.processUnresponsive },
    remedy: [{ action: ACTION.restartMember, params: { member: "etcd-3" } }],
  },
  {
    name: "etcd-leader-kill",
    subject: "etcd",
    title: "The leader crashes",
    narration: "Whoever leads is killed. The others elect a new leader within an election timeout: one failover, not flapping. The old leader is the member to bring back.",
    deployment: THREE_MEMBERS,
    workload: LOAD,
    faults: [{ fault: "leader-kill", params: {}, durationMs: FAULT_DURATION_MS }],
    expect: { detections: detections([INVARIANT.memberDown], [memberResource(LEADER)]), deadlineMs: DEADLINE_MS, components: [memberResource(LEADER)], faultClass: FAULT_CLASS.processDown },
    remedy: [{ action: ACTION.restartMember, params: { member: LEADER } }],
  },
  {
    name: "etcd-quorum-loss",
    subject: "etcd",
    title: "A majority is lost",
    narration: "etcd-2 and etcd-3 are killed: the one left cannot reach the quorum of 2, so there is no leader and no write succeeds. The root cause is the two members, not the cluster.",
    deployment: THREE_MEMBERS,
    workload: LOAD,
    faults: [{ fault: "quorum-loss", params: { members: "etcd-2,etcd-3" }, durationMs: FAULT_DURATION_MS }],
    expect: {
      detections: [...detections([INVARIANT.noLeader], [CLUSTER]), ...detections([INVARIANT.memberDown], [memberResource("etcd-2"), memberResource("etcd-3")])],
      deadlineMs: DEADLINE_MS,
      components: [memberResource("etcd-2"), memberResource("etcd-3")],
      faultClass: FAULT_CLASS.processDown,
      // Writes fail while there is no leader: the knock-on is seen once its grace has passed (found by eval).
      tolerated: [`${INVARIANT.proposalsFailing}:${CLUSTER}`],
    },
    remedy: [
      { action: ACTION.restartMember, params: { member: "etcd-2" } },
      { action: ACTION.restartMember, params: { member: "etcd-3" } },
    ],
  },
  {
    name: "etcd-fill-quota",
    subject: "etcd",
    title: "The backend quota fills up",
    narration: "A runaway writer fills the 8 MiB backend quota: etcd raises NOSPACE and refuses every write. Compact, defragment each member, then disarm, in that order, each verified.",
    deployment: { ...THREE_MEMBERS, quota: "8MiB" },
    workload: LOAD,
    faults: [{ fault: "fill-quota", params: {}, durationMs: FAULT_DURATION_MS }],
    expect: { detections: detections([INVARIANT.dbQuota, INVARIANT.alarmActive], [CLUSTER]), deadlineMs: DEADLINE_MS, components: [CLUSTER], faultClass: FAULT_CLASS.quotaExhausted },
    remedy: [
      { action: ACTION.compact, params: {} },
      { action: ACTION.defragment, params: {} },
      { action: ACTION.disarmAlarm, params: { alarm: "NOSPACE" } },
    ],
  },
];

/** The scenario with `{leader}` replaced by the member leader-kill hit (from its fault record's target `member:<name>`). */
export function bindScenario(scenario: Scenario, bound: { leader: string }): Scenario {
  const bind = (value: unknown): unknown => {
    if (typeof value === "string") return value.replaceAll(LEADER, bound.leader);
    if (Array.isArray(value)) return value.map(bind);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bind(v)]));
    return value;
  };
  return bind(scenario) as Scenario;
}

/**
 * `eval --vary` on etcd: another member for the faults that name one. Which member dies changes no
 * threshold (member_down has none; quorum is a count), so the variant expects what its base does,
 * on the member it hit. etcd's scenarios have no background of their own to scale.
 */
export const variation: Variation = {
  sizes: {},
  targets: { member: { values: ["etcd-1", "etcd-2", "etcd-3"], resource: "member" } },
  expect: (v) => ({ outcome: "detect", reason: `${v.change.description}: which member fails moves no threshold of ${INVARIANT.memberDown}`, expect: v.scenario.expect }),
};
