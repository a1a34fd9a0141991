// The built-in rules on scripted states: one root cause per fault, which explains its effects.
import { expect, test } from "bun:test";
import type { Hypothesis } from "../../lib/subject/subject.ts";
import { keysOf, look, openSubject, run } from "./helpers.ts";
import { startPdStandIn } from "./pd-stand-in.ts";
import type { Fault } from "./stand-in/faults.ts";

async function diagnose(faults: Fault[], options: Parameters<typeof startPdStandIn>[0] = {}) {
  await using standIn = await startPdStandIn(options);
  for (const fault of faults) await standIn.inject(fault);
  const subject = await openSubject(standIn);
  const { observation, violations } = await look(subject);
  const hypotheses = subject.diagnosisRules.flatMap((rule) =>
    rule.evaluate({ violations, observation, history: [], now: observation.observedAtMs }),
  );
  return { violations: keysOf(violations), hypotheses: hypotheses.sort((a, b) => b.confidence - a.confidence) };
}

const brief = (h: Hypothesis) => ({ component: h.component, faultClass: h.faultClass, explains: [...h.explains].sort(), actions: h.actions.map((a) => a.name) });

test("a down store is the one root cause of its down peers and of the leader imbalance", async () => {
  const { violations, hypotheses } = await diagnose([{ name: "store-stop", params: { store: "tikv2" } }]);
  expect(hypotheses.map(brief)).toEqual([
    { component: "store:4", faultClass: "process_down", explains: violations, actions: ["remove_store"] },
  ]);
  expect(hypotheses[0]!.evidence[1]).toBe("30 regions have a down peer on store 4");
});

test("a disconnected store is named, with evicting its leaders as the action", async () => {
  const { violations, hypotheses } = await diagnose([{ name: "store-pause", params: { store: "tikv3" } }]);
  expect(hypotheses.map(brief)).toEqual([{ component: "store:5", faultClass: "process_down", explains: violations, actions: ["evict_leaders"] }]);
  expect(hypotheses[0]!.actions[0]!.params).toEqual({ store_id: "5" });
});

test("low space names its store and proposes a lower region weight", async () => {
  const { hypotheses } = await diagnose([{ name: "store-disk-fill", params: { store: "tikv1", available_ratio: 0.05 } }]);
  expect(hypotheses.map(brief)).toEqual([{ component: "store:1", faultClass: "disk_full", explains: ["store_low_space:store:1"], actions: ["set_store_weight"] }]);
  expect(hypotheses[0]!.actions[0]!.params).toEqual({ store_id: "1", leader_weight: 1, region_weight: 0.5 });
});

test("PD trouble names pd, with or without a leader", async () => {
  for (const fault of [{ name: "pd-stop", params: { member: "pd3" } }, { name: "pd-quorum-loss", params: {} }]) {
    const { hypotheses } = await diagnose([fault]);
    expect(hypotheses.map(brief)).toEqual([{ component: "pd", faultClass: "pd_unavailable", explains: ["pd_unhealthy:pd"], actions: [] }]);
  }
});

test("leader imbalance with balance-leader paused names PD's scheduling and proposes resuming it", async () => {
  const { hypotheses } = await diagnose([{ name: "leader-skew", params: { store: "tikv2" } }]);
  expect(hypotheses.map(brief)).toEqual([{ component: "pd", faultClass: "scheduling_disabled", explains: ["leader_imbalance:cluster"], actions: ["resume_scheduler"] }]);
});

test("a down store also explains the regions that lost their replica on it", async () => {
  await using standIn = await startPdStandIn();
  await standIn.inject({ name: "store-stop", params: { store: "tikv1" } });
  const subject = await openSubject(standIn);
  await run(subject, "remove_peer", { region_id: "2", store_id: "1" });
  const { observation, violations } = await look(subject);
  const [top] = subject.diagnosisRules.flatMap((r) => r.evaluate({ violations, observation, history: [], now: observation.observedAtMs }));
  expect([top!.component, [...top!.explains].sort()]).toEqual(["store:1", keysOf(violations)]);
});

test("a healthy cluster yields no hypothesis", async () => {
  expect((await diagnose([])).hypotheses).toEqual([]);
});
