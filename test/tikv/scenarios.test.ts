// Every scenario in subjects/tikv/scenarios.ts, played on the stand-in: the fault opens the
// expected violations, the rules name the expected root cause and recommend the remedy, the remedy
// clears what it claims, and reverting the fault leaves a clean cluster.
import { expect, test } from "bun:test";
import type { Subject } from "../../lib/subject/subject.ts";
import type { TikvObservation } from "../../subjects/tikv/observation.ts";
import { faults } from "../../subjects/tikv/faults.ts";
import { bindScenario, COMPOSE_STORES, scenarios, tikvScenarios, type TikvScenario } from "../../subjects/tikv/scenarios.ts";
import { keysOf, look, openLocalSubject, openSubject, run } from "./helpers.ts";
import { startPdStandIn, type PdStandIn } from "./pd-stand-in.ts";
import { startPrometheus } from "./prometheus-fixture.ts";

async function diagnosis(subject: Subject<TikvObservation>) {
  const { observation, violations } = await look(subject);
  const hypotheses = subject.diagnosisRules
    .flatMap((r) => r.evaluate({ violations, observation, history: [], now: observation.observedAtMs }))
    .sort((a, b) => b.confidence - a.confidence || b.explains.length - a.explains.length);
  return { violations: keysOf(violations), top: hypotheses[0] };
}

const expectedKeys = (s: TikvScenario) => s.expect.invariants.flatMap((i) => s.expect.resources.map((r) => `${i}:${r}`));
const bound = (s: TikvScenario, standIn: PdStandIn) => bindScenario(s, standIn.model.stores.map(({ id, address }) => ({ id, address })));

for (const scenario of tikvScenarios.filter((s) => !s.needsPrometheus)) {
  test(`scenario ${scenario.name}: ${scenario.fault.name} → ${scenario.expect.invariants.join(", ")} → ${scenario.expect.component} → ${scenario.remedy?.action ?? "revert"}`, async () => {
    await using standIn = await startPdStandIn({ stores: scenario.topology.stores });
    const s = bound(scenario, standIn);
    const subject = await openLocalSubject(standIn);
    expect((await diagnosis(subject)).violations).toEqual([]);

    await standIn.inject(s.fault);
    const seen = await diagnosis(subject);
    expect(seen.violations).toEqual(expect.arrayContaining(expectedKeys(s)));
    expect([seen.top?.component, seen.top?.faultClass]).toEqual([s.expect.component, s.expect!.faultClass]);
    expect([...seen.top!.explains].sort()).toEqual(seen.violations.filter((k) => !k.startsWith("pd_unhealthy") || s.expect.component === "pd"));

    if (s.remedy) {
      expect(seen.top!.actions.map((a) => a.name)).toContain(s.remedy.action);
      expect(await run(subject, s.remedy.action, s.remedy.params)).toMatchObject({ ok: true });
      const after = (await diagnosis(subject)).violations;
      expect(after.filter((k) => s.remedy!.clears.some((i) => k.startsWith(`${i}:`)))).toEqual([]);
    }
    await standIn.revert(s.fault);
    expect((await diagnosis(subject)).violations).toEqual([]);
  });
}

test("the Prometheus scenarios, with Prometheus scraping the stand-in's TiKV stores live", async () => {
  await using standIn = await startPdStandIn();
  const played = tikvScenarios.filter((s) => s.needsPrometheus).map((s) => bound(s, standIn));
  for (const s of played) await standIn.inject(s.fault);
  const { host } = new URL(standIn.url);
  await using prometheus = await startPrometheus({
    scrapeConfigs: `\n  - job_name: tikv\n    honor_labels: true\n    metrics_path: /stand-in/tikv-metrics\n    static_configs:\n      - targets: ["${host}"]\n`,
  });
  const subject = await openSubject(standIn, { prometheusUrl: prometheus.url });
  const wanted = played.flatMap(expectedKeys).sort();
  const deadline = Date.now() + 30_000;
  let seen = await diagnosis(subject);
  while (!wanted.every((k) => seen.violations.includes(k)) && Date.now() < deadline) {
    await Bun.sleep(250);
    seen = await diagnosis(subject);
  }
  expect(seen.violations).toEqual(wanted);
  const { observation, violations } = await look(subject);
  const hypotheses = subject.diagnosisRules.flatMap((r) => r.evaluate({ violations, observation, history: [], now: observation.observedAtMs }));
  expect(hypotheses.map((h) => [h.component, h.faultClass])).toEqual(played.map((s) => [s.expect.component, s.expect!.faultClass]));
  const slow = played.find((s) => s.remedy)!;
  expect(await run(subject, slow.remedy!.action, slow.remedy!.params)).toMatchObject({ ok: true });
  expect((await look(subject)).observation.stores!.find((st) => st.id === slow.remedy!.params.store_id)!.leaderCount).toBe(0);
}, 45_000);

test("the chaos can play the scenarios whose faults docker compose or PD can cause; the others only the stand-in", () => {
  const chaos = new Set(faults.map((f) => f.name));
  expect(scenarios.map((s) => [s.name, s.faults.every((f) => chaos.has(f.fault))])).toEqual([
    ["store-down", true],
    ["store-disconnected", true],
    ["store-low-space", false],
    ["leader-skew", true],
    ["pd-member-down", true],
    ["pd-quorum-loss", true],
    ["slow-store", false],
    ["write-stall", false],
  ]);
});

test("the shared-shape scenarios (lib/scenario/scenario.ts) as the eval would run them: detections open, the diagnosis names a listed component, the remedy alone clears every invariant", async () => {
  expect(scenarios.map((s) => [s.name, s.remedy?.map((r) => r.action) ?? null])).toEqual([
    ["store-down", ["restart_store"]],
    ["store-disconnected", null],
    ["store-low-space", null],
    ["leader-skew", ["resume_scheduler"]],
    ["pd-member-down", null],
    ["pd-quorum-loss", null],
    ["slow-store", ["evict_leaders"]],
    ["write-stall", null],
  ]);
  for (const shared of scenarios.filter((s) => !tikvScenarios.find((t) => t.name === s.name)!.needsPrometheus)) {
    await using standIn = await startPdStandIn({ stores: COMPOSE_STORES });
    const s = bindScenario(shared, standIn.model.stores.map(({ id, address }) => ({ id, address })));
    const subject = await openLocalSubject(standIn);
    for (const step of s.faults) await standIn.inject({ name: step.fault, params: step.params });
    const seen = await diagnosis(subject);
    expect([s.name, s.expect!.detections.every((d) => seen.violations.includes(`${d.invariant}:${d.resource}`))]).toEqual([s.name, true]);
    expect([s.name, s.expect!.components.includes(seen.top!.component), seen.top!.faultClass]).toEqual([s.name, true, s.expect!.faultClass]);
    for (const step of s.remedy ?? []) expect(await run(subject, step.action, step.params)).toMatchObject({ ok: true });
    if (s.remedy) expect([s.name, (await diagnosis(subject)).violations]).toEqual([s.name, []]);
  }
});
