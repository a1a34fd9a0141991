// The built-in diagnosis for etcd: which root cause explains which open violations, and the remedy.
import type { DiagnosisInput, DiagnosisRule, Hypothesis, Violation } from "../../lib/subject/subject.ts";
import { violationKey } from "../../lib/subject/subject.ts";
import { ACTION } from "./actions.ts";
import { CLUSTER, INVARIANT, quorumOf } from "./invariants.ts";
import type { EtcdObservation } from "./observe.ts";

/** The closed list of fault classes a hypothesis may name. */
export const FAULT_CLASS = {
  processDown: "process_down",
  processUnresponsive: "process_unresponsive",
  quotaExhausted: "quota_exhausted",
  leaderInstability: "leader_instability",
  applyBacklog: "apply_backlog",
  versionSkew: "version_skew",
  dataCorruption: "data_corruption",
  proposalFailures: "proposal_failures",
} as const;

type Input = DiagnosisInput<EtcdObservation>;

const open = (input: Input, invariant: string, resource?: string) =>
  input.violations.filter((v) => v.invariant === invariant && (resource === undefined || v.resource === resource));
const keys = (violations: Violation[]) => violations.map(violationKey);
const nameOf = (resource: string) => resource.slice("member:".length);
const listed = (names: string[]) => (names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`);

/** Refused connections mean no process; a timeout means a process that does not answer (hung, paused). */
const downClass = (v: Violation) => (v.evidence.error_kind === "timeout" ? FAULT_CLASS.processUnresponsive : FAULT_CLASS.processDown);

/** restart_member only where this operator started the members; elsewhere a person's service manager does it. */
const restart = (input: Input, name: string, why: string) =>
  input.observation.localDeployment ? [{ name: ACTION.restartMember, params: { member: name }, why }] : [];

/** Members down, and whether they cost the quorum: by count, or because nobody knows a leader. */
function downMembers(input: Input) {
  const down = open(input, INVARIANT.memberDown);
  const noLeader = open(input, INVARIANT.noLeader, CLUSTER);
  const total = input.observation.members.length;
  const quorum = quorumOf(total);
  const belowQuorum = total - down.length < quorum;
  return { down, noLeader, total, quorum, belowQuorum, quorumLost: down.length > 0 && (belowQuorum || noLeader.length > 0) };
}

const quorumLost: DiagnosisRule<EtcdObservation> = {
  name: "members_down_lose_quorum",
  description:
    "members down beyond what the quorum tolerates (or no_leader with members down): the down members are the root cause, one hypothesis each; " +
    "the cluster itself is fine once a majority is back.",
  evaluate(input) {
    const { down, noLeader, total, quorum, belowQuorum, quorumLost } = downMembers(input);
    if (!quorumLost) return [];
    const names = down.map((v) => nameOf(v.resource));
    const failing = open(input, INVARIANT.proposalsFailing, CLUSTER);
    return down.map((v): Hypothesis => ({
      component: v.resource,
      faultClass: downClass(v),
      summary:
        `${listed(names)} ${names.length > 1 ? "are" : "is"} down (${down.length} of ${total} members); ` +
        `${belowQuorum ? `the ${total - down.length} left cannot reach the quorum of ${quorum}` : "the members left cannot elect a leader"}, ` +
        `so no leader is elected and writes fail until ${nameOf(v.resource)}${names.length > 1 ? " or another down member" : ""} is back`,
      confidence: belowQuorum ? 0.9 : 0.6,
      evidence: [v.message, ...noLeader.map((n) => n.message), ...failing.map((f) => f.message)],
      explains: keys([v, ...noLeader, ...failing]),
      actions: restart(input, nameOf(v.resource), `quorum needs ${quorum} of ${total}: each member back brings it closer`),
    }));
  },
};

const memberDown: DiagnosisRule<EtcdObservation> = {
  name: "member_down",
  description: "a member that does not answer while the others keep quorum: that member's process (crashed, stopped, hung or paused).",
  evaluate(input) {
    if (downMembers(input).quorumLost) return [];
    // Proposals in flight when a member (above all the leader) drops fail: the same cause.
    const failing = open(input, INVARIANT.proposalsFailing, CLUSTER);
    return open(input, INVARIANT.memberDown).map((v): Hypothesis => {
      const name = nameOf(v.resource);
      const hung = downClass(v) === FAULT_CLASS.processUnresponsive;
      return {
        component: v.resource,
        faultClass: downClass(v),
        summary: hung
          ? `${name}'s process does not answer within the deadline (hung, paused or overloaded); the others keep quorum`
          : `${name}'s process is gone (connections refused); the others keep quorum but one more loss may cost it`,
        confidence: 0.85,
        evidence: [v.message, ...failing.map((f) => f.message)],
        explains: keys([v, ...failing]),
        actions: restart(input, name, hung ? "a hung process does not recover by itself" : "bring the member back before another one fails"),
      };
    });
  },
};

const quotaExhausted: DiagnosisRule<EtcdObservation> = {
  name: "quota_exhausted",
  description:
    "db_quota and/or the NOSPACE alarm: the backend filled its quota, so writes are refused. Remedy in order: compact, defragment every member, disarm.",
  evaluate(input) {
    const quota = open(input, INVARIANT.dbQuota, CLUSTER);
    const nospace = open(input, INVARIANT.alarmActive, CLUSTER).filter((v) => v.evidence.alarm === "NOSPACE");
    if (quota.length === 0 && nospace.length === 0) return [];
    const actions = [
      { name: ACTION.compact, params: {}, why: "drop old revisions so their pages can be reused" },
      { name: ACTION.defragment, params: {}, why: "give the freed pages back: the quota counts the file size (one member at a time)" },
      ...(nospace.length ? [{ name: ACTION.disarmAlarm, params: { alarm: "NOSPACE" }, why: "writes stay refused until NOSPACE is disarmed, which is safe only once space is back" }] : []),
    ];
    return [{
      component: CLUSTER,
      faultClass: FAULT_CLASS.quotaExhausted,
      summary:
        (nospace.length
          ? "the backend reached --quota-backend-bytes: etcd raised NOSPACE and refuses every write (\"database space exceeded\")"
          : "the backend is close to --quota-backend-bytes: at 100% etcd raises NOSPACE and refuses writes") +
        "; old revisions usually hold the space: compact, then defragment each member, then disarm, in that order " +
        "(if that frees too little, the live keys fill the quota: raise it or delete keys)",
      confidence: nospace.length ? 0.95 : 0.75,
      evidence: [...quota, ...nospace].map((v) => v.message),
      explains: keys([...quota, ...nospace]),
      actions,
    }];
  },
};

/** A rule whose cause sits where its one violation is, with no remedy but a person's look. */
const causePerViolation = (
  name: string,
  description: string,
  invariant: string,
  faultClass: string,
  confidence: number,
  summary: (v: Violation) => string,
  alsoExplains: string[] = [],
): DiagnosisRule<EtcdObservation> => ({
  name,
  description,
  evaluate(input) {
    return open(input, invariant).map((v) => {
      const extra = input.violations.filter((o) => alsoExplains.includes(o.invariant));
      return { component: v.resource, faultClass, summary: summary(v), confidence, evidence: [v.message, ...extra.map((o) => o.message)], explains: keys([v, ...extra]), actions: [] };
    });
  },
});

const leaderInstability = causePerViolation(
  "leader_instability", "repeated elections: disks too slow for the heartbeat, an overloaded network, or members restarting; failed proposals follow.",
  INVARIANT.leaderFlapping, FAULT_CLASS.leaderInstability, 0.6,
  (v) => `${v.message}: each election stalls writes; look at disk fsync latency, the network between members and member restarts`,
  [INVARIANT.proposalsFailing],
);

const applyBacklog = causePerViolation(
  "apply_backlog", "a member commits faster than it applies: its disk or an expensive request holds its apply loop.",
  INVARIANT.applyLag, FAULT_CLASS.applyBacklog, 0.6,
  (v) => `${v.message}: its apply loop falls behind (slow disk, huge transactions or a heavy compaction)`,
);

const versionSkew = causePerViolation(
  "version_skew", "members on different etcd versions: an unfinished rolling upgrade.",
  INVARIANT.memberVersionSkew, FAULT_CLASS.versionSkew, 0.8,
  (v) => `${v.message}: a rolling upgrade was left unfinished`,
);

const corruption: DiagnosisRule<EtcdObservation> = {
  name: "data_corruption",
  description: "a CORRUPT alarm: that member's data disagrees with the others; it must be removed and rebuilt by a person.",
  evaluate: (input) =>
    open(input, INVARIANT.alarmActive)
      .filter((v) => v.evidence.alarm === "CORRUPT")
      .map((v) => ({
        component: v.resource,
        faultClass: FAULT_CLASS.dataCorruption,
        summary: `${v.message}: its data disagrees with the others; replace the member (remove it, wipe its data, add it back)`,
        confidence: 0.9,
        evidence: [v.message],
        explains: [violationKey(v)],
        actions: [],
      })),
};

const proposalsAlone: DiagnosisRule<EtcdObservation> = {
  name: "proposal_failures",
  description: "failed proposals that no member down, election or quorum loss explains.",
  evaluate(input) {
    if ([INVARIANT.noLeader, INVARIANT.leaderFlapping, INVARIANT.memberDown].some((name) => open(input, name).length > 0)) return [];
    return open(input, INVARIANT.proposalsFailing).map((v) => ({
      component: CLUSTER,
      faultClass: FAULT_CLASS.proposalFailures,
      summary: `${v.message} without an election or quorum loss in view: look for members dropping off briefly or requests timing out`,
      confidence: 0.4,
      evidence: [v.message],
      explains: [violationKey(v)],
      actions: [],
    }));
  },
};

export const diagnosisRules: DiagnosisRule<EtcdObservation>[] = [quorumLost, memberDown, quotaExhausted, leaderInstability, applyBacklog, versionSkew, corruption, proposalsAlone];
