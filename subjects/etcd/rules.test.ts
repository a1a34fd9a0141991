import { describe, expect, test } from "bun:test";
import { violationKey } from "../../lib/subject/subject.ts";
import { downMember, healthyMember, MEMBER_IDS, observation, withStatus } from "../../test/fixtures/etcd-observation.ts";
import { invariants } from "./invariants.ts";
import type { EtcdObservation } from "./observe.ts";
import { diagnosisRules } from "./rules.ts";

const NOW = 1_000_000;
function diagnose(o: EtcdObservation) {
  const violations = invariants.flatMap((i) => i.check(o, NOW));
  return { violations, hypotheses: diagnosisRules.flatMap((r) => r.evaluate({ violations, observation: o, history: [], now: NOW })) };
}

describe("etcd diagnosis rules", () => {
  test("two members down explain no_leader: one hypothesis per member, each naming both, none blaming the cluster", () => {
    const alone = withStatus(healthyMember(0), { leaderId: null, errors: ["etcdserver: no leader"] });
    const { hypotheses } = diagnose(observation([alone, downMember(1), downMember(2)]));
    expect(hypotheses.map((h) => ({ component: h.component, faultClass: h.faultClass, explains: h.explains, actions: h.actions.map((a) => [a.name, a.params]) }))).toEqual([
      { component: "member:etcd-2", faultClass: "process_down", explains: ["member_down:member:etcd-2", "no_leader:cluster"], actions: [["restart_member", { member: "etcd-2" }]] },
      { component: "member:etcd-3", faultClass: "process_down", explains: ["member_down:member:etcd-3", "no_leader:cluster"], actions: [["restart_member", { member: "etcd-3" }]] },
    ]);
    for (const h of hypotheses) expect(h.summary).toStartWith("etcd-2 and etcd-3 are down (2 of 3 members); the 1 left cannot reach the quorum of 2");
  });

  test("two of three down is quorum loss even before the survivor notices it has no leader", () => {
    const { hypotheses } = diagnose(observation([healthyMember(0), downMember(1), downMember(2)]));
    expect(hypotheses.map((h) => [h.component, h.explains])).toEqual([
      ["member:etcd-2", ["member_down:member:etcd-2"]],
      ["member:etcd-3", ["member_down:member:etcd-3"]],
    ]);
    expect(hypotheses[0]!.summary).toStartWith("etcd-2 and etcd-3 are down (2 of 3 members); the 1 left cannot reach the quorum of 2");
  });

  test("one member down while the others keep a leader is that member's process; a timeout says unresponsive", () => {
    const { hypotheses } = diagnose(observation([healthyMember(0), healthyMember(1), downMember(2, "timeout")]));
    expect(hypotheses.map((h) => [h.component, h.faultClass, h.explains])).toEqual([["member:etcd-3", "process_unresponsive", ["member_down:member:etcd-3"]]]);
  });

  test("a filled quota explains db_quota and NOSPACE; the remedy is compact, defragment, disarm, in that order", () => {
    const quota = 16_777_216;
    const full = [0, 1, 2].map((i) => withStatus(healthyMember(i), { dbSizeBytes: quota + 4096, dbSizeInUseBytes: quota * 0.7 }));
    const o = observation(full, { alarms: [{ memberId: MEMBER_IDS[0]!, memberName: "etcd-1", alarm: "NOSPACE" }] });
    const { violations, hypotheses } = diagnose(o);
    expect(hypotheses).toHaveLength(1);
    expect(hypotheses[0]).toMatchObject({ component: "cluster", faultClass: "quota_exhausted", explains: violations.map(violationKey) });
    expect(hypotheses[0]!.actions.map((a) => [a.name, a.params])).toEqual([["compact", {}], ["defragment", {}], ["disarm_alarm", { alarm: "NOSPACE" }]]);
  });

  test("restart_member is recommended only for members this operator deployed", () => {
    const o = observation([healthyMember(0), healthyMember(1), downMember(2)], { localDeployment: false });
    expect(diagnose(o).hypotheses.map((h) => [h.component, h.actions])).toEqual([["member:etcd-3", []]]);
  });

  test("a CORRUPT alarm blames that member and proposes nothing automatic", () => {
    const o = observation(undefined, { alarms: [{ memberId: MEMBER_IDS[1]!, memberName: "etcd-2", alarm: "CORRUPT" }] });
    expect(diagnose(o).hypotheses.map((h) => [h.component, h.faultClass, h.actions])).toEqual([["member:etcd-2", "data_corruption", []]]);
  });

  test("leader flapping also explains the failed proposals that come with it", () => {
    const recent = { historyMs: 60_000, leaderChanges: { windowMs: 60_000, total: 4, byMember: {} }, proposalsFailed: { windowMs: 20_000, total: 2, byMember: {} } };
    const { hypotheses } = diagnose(observation(undefined, { recent }));
    expect(hypotheses.map((h) => [h.component, h.faultClass, h.explains])).toEqual([["cluster", "leader_instability", ["leader_flapping:cluster", "proposals_failing:cluster"]]]);
  });

  test("a healthy cluster has nothing to explain", () => {
    expect(diagnose(observation()).hypotheses).toEqual([]);
  });
});
