import { describe, expect, test } from "bun:test";
import { downMember, healthyMember, MEMBER_IDS, observation, withStatus } from "../../test/fixtures/etcd-observation.ts";
import { invariants, THRESHOLDS } from "./invariants.ts";
import type { EtcdObservation } from "./observe.ts";

const NOW = 1_000_000;
const fired = (o: EtcdObservation) => invariants.flatMap((i) => i.check(o, NOW)).map((v) => `${v.invariant}:${v.resource}`).sort();
const violations = (o: EtcdObservation) => invariants.flatMap((i) => i.check(o, NOW));

describe("etcd invariants on one observation", () => {
  test("a healthy cluster breaks none", () => {
    expect(fired(observation())).toEqual([]);
  });

  test("a member that refuses connections is member_down on that member only", () => {
    const o = observation([healthyMember(0), downMember(1), healthyMember(2)]);
    expect(violations(o)).toEqual([{
      invariant: "member_down",
      resource: "member:etcd-2",
      severity: "critical",
      message: "member etcd-2 does not answer: http://127.0.0.1:23791 refuses connections",
      evidence: { member: "etcd-2", member_id: MEMBER_IDS[1], client_url: "http://127.0.0.1:23791", error_kind: "refused", error: "http://127.0.0.1:23791 refuses connections" },
    }]);
  });

  test("no member knowing a leader is no_leader on the cluster, naming the down members", () => {
    const alone = withStatus(healthyMember(0), { leaderId: null, errors: ["etcdserver: no leader"] });
    const o = observation([alone, downMember(1), downMember(2, "timeout")]);
    expect(fired(o)).toEqual(["member_down:member:etcd-2", "member_down:member:etcd-3", "no_leader:cluster"]);
    expect(violations(o).find((v) => v.invariant === "no_leader")?.message).toBe("no member knows a leader: 1 of 3 members answer, quorum is 2; down: etcd-2, etcd-3");
  });

  test("a minority member that lost its leader is not no_leader while the others know one", () => {
    const o = observation([healthyMember(0), healthyMember(1), withStatus(healthyMember(2), { leaderId: null })]);
    expect(fired(o)).toEqual([]);
  });

  test("apply_lag fires past the threshold, with exact int64 arithmetic", () => {
    const lagging = withStatus(healthyMember(1), { raftIndex: "9007199254745000", raftAppliedIndex: "9007199254740993" });
    const o = observation([healthyMember(0), lagging, withStatus(healthyMember(2), { raftIndex: "1000", raftAppliedIndex: String(1000 - THRESHOLDS.applyLagEntries) })]);
    const found = violations(o);
    expect(found.map((v) => `${v.invariant}:${v.resource}`)).toEqual(["apply_lag:member:etcd-2"]);
    expect(found[0]!.evidence.lag_entries).toBe("4007");
  });

  test("db_quota fires at 80% of the quota, on the cluster, naming the fullest member", () => {
    const quota = 16_777_216;
    const sized = (i: number, bytes: number) => withStatus(healthyMember(i), { dbSizeBytes: bytes });
    expect(fired(observation([sized(0, quota * 0.79), sized(1, quota * 0.5), sized(2, quota * 0.5)]))).toEqual([]);
    const o = observation([sized(0, quota * 0.5), sized(1, quota * 0.97), sized(2, quota * 0.9)]);
    expect(fired(o)).toEqual(["db_quota:cluster"]);
    expect(violations(o)[0]!.message).toBe("backend of etcd-2 at 97% of its 16 MiB quota (etcd-1 50%, etcd-3 90%)");
  });

  test("NOSPACE is one alarm_active on the cluster; CORRUPT is on its member", () => {
    const o = observation(undefined, {
      alarms: [
        { memberId: MEMBER_IDS[0]!, memberName: "etcd-1", alarm: "NOSPACE" },
        { memberId: MEMBER_IDS[2]!, memberName: "etcd-3", alarm: "NOSPACE" },
        { memberId: MEMBER_IDS[1]!, memberName: "etcd-2", alarm: "CORRUPT" },
      ],
    });
    expect(violations(o).map((v) => [v.resource, v.message])).toEqual([
      ["cluster", "NOSPACE alarm raised by etcd-1, etcd-3: the cluster refuses writes"],
      ["member:etcd-2", "CORRUPT alarm raised by member etcd-2"],
    ]);
  });

  test("leader_flapping needs three leader changes within the window; one failover is not flapping", () => {
    const changes = (total: number) => observation(undefined, { recent: { ...observation().recent, leaderChanges: { windowMs: 60_000, total, byMember: { "etcd-1": total } } } });
    expect(fired(changes(1))).toEqual([]);
    expect(fired(changes(2))).toEqual([]);
    expect(fired(changes(3))).toEqual(["leader_flapping:cluster"]);
  });

  test("proposals_failing fires when failed proposals rose within its window", () => {
    const o = observation(undefined, { recent: { ...observation().recent, proposalsFailed: { windowMs: 20_000, total: 4, byMember: { "etcd-1": 4 } } } });
    expect(violations(o).map((v) => v.message)).toEqual(["4 proposals failed within 20 s"]);
    // One failover's own cost, judged even by --once (no grace): a leader again after exactly one election.
    const failover = (elections: number) => observation(undefined, { recent: { ...o.recent, leaderChanges: { ...o.recent.leaderChanges, total: elections } } });
    expect([0, 1, 2].map((n) => violations(failover(n)).map((v) => v.invariant))).toEqual([["proposals_failing"], [], ["proposals_failing"]]);
  });

  test("member_version_skew lists each member's version", () => {
    const o = observation([healthyMember(0), withStatus(healthyMember(1), { version: "3.5.9" }), healthyMember(2)]);
    expect(violations(o).map((v) => v.message)).toEqual(["members run 2 etcd versions: etcd-1 3.4.23, etcd-2 3.5.9, etcd-3 3.4.23"]);
  });

  test("every invariant has a severity, a grace and a description a person can read", () => {
    expect(invariants.map((i) => i.name)).toEqual(["member_down", "no_leader", "leader_flapping", "apply_lag", "db_quota", "alarm_active", "proposals_failing", "member_version_skew"]);
    for (const i of invariants) expect(i.description.length).toBeGreaterThan(80);
  });
});
