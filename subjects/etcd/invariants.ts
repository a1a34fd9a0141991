// What must hold in a healthy etcd cluster, each checked on one observation (pure: observation, now).
import type { Invariant, Violation } from "../../lib/subject/subject.ts";
import { formatSize } from "./byte-size.ts";
import type { EtcdObservation, MemberObservation } from "./observe.ts";

export const INVARIANT = {
  memberDown: "member_down",
  noLeader: "no_leader",
  leaderFlapping: "leader_flapping",
  applyLag: "apply_lag",
  dbQuota: "db_quota",
  alarmActive: "alarm_active",
  proposalsFailing: "proposals_failing",
  memberVersionSkew: "member_version_skew",
} as const;

export const CLUSTER = "cluster";
export const memberResource = (name: string) => `member:${name}`;

export const THRESHOLDS = {
  /** etcd raises NOSPACE at 100% of --quota-backend-bytes; 80% leaves time to compact and defragment. */
  dbQuotaRatio: 0.8,
  /** etcd refuses proposals past 5000 committed-but-unapplied entries ("too many requests"). */
  applyLagEntries: 1_000,
  /** Elections within the window that count as flapping: one is a failover, three are a pattern. */
  leaderChanges: 3,
  leaderChangesWindowMs: 60_000,
  /** Shorter than proposals_failing's grace, so one burst during an election never opens a ticket. */
  proposalsFailedWindowMs: 20_000,
} as const;

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;
const answering = (o: EtcdObservation) => o.members.filter((m): m is MemberObservation & { status: NonNullable<MemberObservation["status"]> } => m.reachable && m.status !== null);
export const quorumOf = (memberCount: number) => Math.floor(memberCount / 2) + 1;

const memberDown: Invariant<EtcdObservation> = {
  name: INVARIANT.memberDown,
  severity: "critical",
  graceMs: 10_000,
  description:
    "Every etcd member answers its client endpoint (maintenance status). A member that refuses connections has crashed or was stopped; " +
    "one that times out is hung, paused or cut off. The cluster survives a minority of members down, but each one lost brings it closer to losing quorum.",
  check: (o) =>
    o.members
      .filter((m) => !m.reachable)
      .map((m): Violation => ({
        invariant: INVARIANT.memberDown,
        resource: memberResource(m.name),
        severity: "critical",
        message: `member ${m.name} does not answer: ${m.error?.message ?? "unknown error"}`,
        evidence: { member: m.name, member_id: m.id, client_url: m.clientUrl, error_kind: m.error?.kind ?? null, error: m.error?.message ?? null },
      })),
};

const noLeader: Invariant<EtcdObservation> = {
  name: INVARIANT.noLeader,
  severity: "critical",
  graceMs: 5_000,
  description:
    "Some member knows a Raft leader. Without one the cluster has lost quorum (fewer than a majority of members can talk to each other): " +
    "it accepts no writes and no linearizable reads until enough members are back.",
  check(o) {
    const up = answering(o);
    if (up.some((m) => m.status.leaderId !== null)) return [];
    const quorum = quorumOf(o.members.length);
    const down = o.members.filter((m) => !m.reachable).map((m) => m.name);
    return [{
      invariant: INVARIANT.noLeader,
      resource: CLUSTER,
      severity: "critical",
      message: `no member knows a leader: ${up.length} of ${o.members.length} members answer, quorum is ${quorum}${down.length ? `; down: ${down.join(", ")}` : ""}`,
      evidence: { members: o.members.length, answering: up.length, quorum, down, errors: Object.fromEntries(up.map((m) => [m.name, m.status.errors])) },
    }];
  },
};

const leaderFlapping: Invariant<EtcdObservation> = {
  name: INVARIANT.leaderFlapping,
  severity: "warning",
  graceMs: 0,
  description:
    `The Raft leader stays put: fewer than ${THRESHOLDS.leaderChanges} leader changes within ${THRESHOLDS.leaderChangesWindowMs / 1000} s ` +
    "(etcd_server_leader_changes_seen_total). Repeated elections stall writes each time; causes are slow disks, an overloaded or flaky network, or members restarting.",
  check(o) {
    const { total, byMember, windowMs } = o.recent.leaderChanges;
    if (total < THRESHOLDS.leaderChanges) return [];
    return [{
      invariant: INVARIANT.leaderFlapping,
      resource: CLUSTER,
      severity: "warning",
      message: `${total} leader changes within ${windowMs / 1000} s`,
      evidence: { leader_changes: total, window_ms: windowMs, by_member: byMember, leaders_now: Object.fromEntries(answering(o).map((m) => [m.name, m.status.leaderId])) },
    }];
  },
};

const applyLag: Invariant<EtcdObservation> = {
  name: INVARIANT.applyLag,
  severity: "warning",
  graceMs: 30_000,
  description:
    `Each member applies what Raft committed: raft index minus applied index stays under ${THRESHOLDS.applyLagEntries} entries. ` +
    "A growing gap means the member's apply loop (its disk, a huge transaction, an expensive compaction) cannot keep up; at 5000 etcd refuses new requests.",
  check: (o) =>
    answering(o).flatMap((m): Violation[] => {
      const lag = BigInt(m.status.raftIndex) - BigInt(m.status.raftAppliedIndex);
      if (lag <= BigInt(THRESHOLDS.applyLagEntries)) return [];
      return [{
        invariant: INVARIANT.applyLag,
        resource: memberResource(m.name),
        severity: "warning",
        message: `member ${m.name} has ${lag} committed entries not yet applied (raft index ${m.status.raftIndex}, applied ${m.status.raftAppliedIndex})`,
        evidence: { member: m.name, raft_index: m.status.raftIndex, raft_applied_index: m.status.raftAppliedIndex, lag_entries: lag.toString() },
      }];
    }),
};

const dbQuota: Invariant<EtcdObservation> = {
  name: INVARIANT.dbQuota,
  severity: "warning",
  graceMs: 15_000,
  description:
    `Each member's backend file stays under ${percent(THRESHOLDS.dbQuotaRatio)} of its quota (--quota-backend-bytes). ` +
    "At 100% etcd raises the NOSPACE alarm and refuses every write. The file keeps old revisions until a compaction, and keeps the freed pages until a defragment.",
  check(o) {
    const sizes = answering(o)
      .filter((m) => m.metrics?.quotaBackendBytes)
      .map((m) => ({ name: m.name, db: m.status.dbSizeBytes, inUse: m.status.dbSizeInUseBytes, quota: m.metrics!.quotaBackendBytes!, ratio: m.status.dbSizeBytes / m.metrics!.quotaBackendBytes! }));
    const worst = sizes.toSorted((a, b) => b.ratio - a.ratio)[0];
    if (!worst || worst.ratio < THRESHOLDS.dbQuotaRatio) return [];
    const others = sizes.filter((s) => s !== worst).map((s) => `${s.name} ${percent(s.ratio)}`);
    return [{
      invariant: INVARIANT.dbQuota,
      resource: CLUSTER,
      severity: "warning",
      message: `backend of ${worst.name} at ${percent(worst.ratio)} of its ${formatSize(worst.quota)} quota${others.length ? ` (${others.join(", ")})` : ""}`,
      evidence: {
        threshold_ratio: THRESHOLDS.dbQuotaRatio,
        members: Object.fromEntries(sizes.map((s) => [s.name, { db_size_bytes: s.db, db_size_in_use_bytes: s.inUse, quota_bytes: s.quota, ratio: Number(s.ratio.toFixed(3)) }])),
      },
    }];
  },
};

const alarmActive: Invariant<EtcdObservation> = {
  name: INVARIANT.alarmActive,
  severity: "critical",
  graceMs: 0,
  description:
    "No etcd alarm is raised. NOSPACE (a member's backend reached its quota) makes the whole cluster refuse writes until the alarm is disarmed; " +
    "CORRUPT (a member's data disagrees with the others) needs that member rebuilt. Disarming NOSPACE before space is freed only raises it again.",
  check(o) {
    const nospace = o.alarms.filter((a) => a.alarm === "NOSPACE");
    const violations: Violation[] = [];
    if (nospace.length > 0) {
      violations.push({
        invariant: INVARIANT.alarmActive,
        resource: CLUSTER,
        severity: "critical",
        message: `NOSPACE alarm raised by ${nospace.map((a) => a.memberName).join(", ")}: the cluster refuses writes`,
        evidence: { alarm: "NOSPACE", raised_by: nospace.map((a) => ({ member: a.memberName, member_id: a.memberId })) },
      });
    }
    for (const a of o.alarms.filter((a) => a.alarm !== "NOSPACE")) {
      violations.push({
        invariant: INVARIANT.alarmActive,
        resource: memberResource(a.memberName),
        severity: "critical",
        message: `${a.alarm} alarm raised by member ${a.memberName}`,
        evidence: { alarm: a.alarm, member: a.memberName, member_id: a.memberId },
      });
    }
    return violations;
  },
};

const proposalsFailing: Invariant<EtcdObservation> = {
  name: INVARIANT.proposalsFailing,
  severity: "warning",
  graceMs: 30_000,
  description:
    `Raft proposals do not fail (etcd_server_proposals_failed_total rises over ${THRESHOLDS.proposalsFailedWindowMs / 1000} s). ` +
    "Failed proposals are writes the cluster accepted but could not commit: no leader, lost quorum, or an election in progress. Sustained failures mean clients see errors. " +
    "One failover has a cost of its own (the writes in flight when the old leader went): while a member knows a leader again and exactly one " +
    "election happened in the window, the failures are that election's, not sustained, and are not judged (the grace does the same for a running " +
    "monitor; this holds for --once too, which has no grace). Without a leader, or with elections piling up, they are.",
  check(o) {
    const { total, byMember, windowMs } = o.recent.proposalsFailed;
    if (total === 0) return [];
    const led = answering(o).some((m) => m.status.leaderId !== null);
    if (led && o.recent.leaderChanges.total === 1) return [];
    return [{
      invariant: INVARIANT.proposalsFailing,
      resource: CLUSTER,
      severity: "warning",
      message: `${total} proposals failed within ${windowMs / 1000} s`,
      evidence: { proposals_failed: total, window_ms: windowMs, by_member: byMember },
    }];
  },
};

const memberVersionSkew: Invariant<EtcdObservation> = {
  name: INVARIANT.memberVersionSkew,
  severity: "warning",
  graceMs: 600_000,
  description:
    "All members run the same etcd server version. A mixed cluster is normal for the minutes of a rolling upgrade; " +
    "left so, the cluster runs at the oldest member's feature level and a forgotten member may be one restart away from a bad upgrade path.",
  check(o) {
    const versions = Object.fromEntries(answering(o).map((m) => [m.name, m.status.version]));
    const distinct = [...new Set(Object.values(versions))].sort();
    if (distinct.length < 2) return [];
    return [{
      invariant: INVARIANT.memberVersionSkew,
      resource: CLUSTER,
      severity: "warning",
      message: `members run ${distinct.length} etcd versions: ${Object.entries(versions).map(([n, ver]) => `${n} ${ver}`).join(", ")}`,
      evidence: { versions },
    }];
  },
};

export const invariants: Invariant<EtcdObservation>[] = [memberDown, noLeader, leaderFlapping, applyLag, dbQuota, alarmActive, proposalsFailing, memberVersionSkew];
