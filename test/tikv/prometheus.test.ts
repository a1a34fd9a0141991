// The Prometheus invariants fire from PromQL evaluated by a real Prometheus, on TiKV series loaded
// as TSDB blocks: a slow store and a store stalling writes, each named by its store id.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { keysOf, look, openSubject, run } from "./helpers.ts";
import { startPdStandIn, type PdStandIn } from "./pd-stand-in.ts";
import { startPrometheus, tikvOpenMetrics, type PrometheusServer } from "./prometheus-fixture.ts";
import { profileOf } from "./stand-in/tikv-metrics.ts";

let standIn: PdStandIn;
let prometheus: PrometheusServer;

beforeAll(async () => {
  standIn = await startPdStandIn();
  const profiles = ["tikv1", "tikv2", "tikv3"].map((name) => profileOf(standIn.model, standIn.storeId(name)));
  profiles[1]!.slow = true;
  profiles[2]!.writeStall = true;
  // Ten minutes each side of now: the instant queries at "now" land inside, whenever the test runs.
  const nowS = Math.floor(Date.now() / 1000);
  prometheus = await startPrometheus({ openMetrics: tikvOpenMetrics(profiles, nowS - 600, nowS + 600) });
});

afterAll(async () => {
  await prometheus?.stop();
  await standIn?.stop();
});

test("Prometheus' own PromQL names the slow store and the stalling one, mapped from instance to store id", async () => {
  const subject = await openSubject(standIn, { prometheusUrl: prometheus.url });
  const { observation, violations } = await look(subject);
  expect(observation.errors).toEqual([]);
  expect(keysOf(violations)).toEqual(["high_grpc_latency:store:4", "raftstore_busy:store:4", "store_write_stall:store:5"]);
  const byStore = (key: keyof NonNullable<typeof observation.metrics>) =>
    Object.fromEntries(observation.metrics![key]!.map((m) => [m.resource, Number(m.value.toFixed(3))]));
  expect(byStore("raftstoreCpuSeconds")).toEqual({ "store:1": 0.2, "store:4": 1.9, "store:5": 0.2 });
  expect(byStore("writeStallMicros")).toEqual({ "store:1": 0, "store:4": 0, "store:5": 12_000 });
  expect(observation.metrics!.grpcP99Seconds!.find((m) => m.resource === "store:4")!.value).toBeGreaterThan(1);
  expect(observation.metrics!.grpcP99Seconds!.find((m) => m.resource === "store:1")!.value).toBeLessThan(0.01);
});

test("the slow-store rule names each store and proposes evicting its leaders", async () => {
  const subject = await openSubject(standIn, { prometheusUrl: prometheus.url });
  const { observation, violations } = await look(subject);
  const hypotheses = subject.diagnosisRules.flatMap((r) => r.evaluate({ violations, observation, history: [], now: observation.observedAtMs }));
  expect(hypotheses.map((h) => [h.component, h.faultClass, [...h.explains].sort(), h.actions.map((a) => a.params)])).toEqual([
    ["store:4", "slow_store", ["high_grpc_latency:store:4", "raftstore_busy:store:4"], [{ store_id: "4" }]],
    ["store:5", "slow_store", ["store_write_stall:store:5"], [{ store_id: "5" }]],
  ]);
});

test("query_prometheus is bounded to 50 series, and a bad query is refused with Prometheus' words", async () => {
  const subject = await openSubject(standIn, { prometheusUrl: prometheus.url });
  const all = await run(subject, "query_prometheus", { query: '{__name__=~"tikv_.+"}' });
  expect([all.ok, all.message, (all.data as { samples: unknown[] }).samples.length]).toEqual([true, "50 series (first 50 only)", 50]);
  const bad = await run(subject, "query_prometheus", { query: "sum(rate(" });
  expect([bad.ok, bad.retryable]).toEqual([false, false]);
  expect(bad.message).toStartWith(`query_prometheus: Prometheus at ${prometheus.url} refused sum(rate(: bad_data: `);
});

test("without Prometheus the PD-only invariants still work; with Prometheus away they do too, and the error is recorded", async () => {
  await using local = await startPdStandIn();
  await local.inject({ name: "store-stop", params: { store: "tikv1" } });
  const withoutPrometheus = await look(await openSubject(local));
  expect([withoutPrometheus.observation.metrics, keysOf(withoutPrometheus.violations)]).toEqual([
    null,
    ["leader_imbalance:cluster", "region_down_peer:store:1", "store_down:store:1"],
  ]);
  const away = await look(await openSubject(local, { prometheusUrl: "http://127.0.0.1:9" }));
  expect(keysOf(away.violations)).toEqual(keysOf(withoutPrometheus.violations));
  expect(away.observation.errors.map((e) => e.source)).toEqual([
    "prometheus grpcP99Seconds",
    "prometheus raftstoreCpuSeconds",
    "prometheus channelFullPerSecond",
    "prometheus writeStallMicros",
  ]);
});
