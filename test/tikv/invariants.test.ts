// Each invariant fires on its scripted cluster state, read through PD's wire format, and nothing
// else fires there; a healthy cluster fires nothing.
import { expect, test } from "bun:test";
import { PdClient } from "../../subjects/tikv/pd-client.ts";
import { keysOf, look, openSubject, run } from "./helpers.ts";
import { startPdStandIn } from "./pd-stand-in.ts";

test("a healthy cluster, in both size formats, violates nothing", async () => {
  for (const sizeFormat of ["modern", "legacy"] as const) {
    await using standIn = await startPdStandIn({ sizeFormat });
    const { observation, violations } = await look(await openSubject(standIn));
    expect(keysOf(violations)).toEqual([]);
    expect(observation.stores!.map((s) => [s.id, s.stateName, s.capacityBytes])).toEqual([
      ["1", "Up", 100 * 2 ** 30],
      ["4", "Up", 100 * 2 ** 30],
      ["5", "Up", 100 * 2 ** 30],
    ]);
  }
});

test("a stopped store: store_down and its down peers on that store, and the leader imbalance after its leaders left", async () => {
  await using standIn = await startPdStandIn();
  await standIn.inject({ name: "store-stop", params: { store: "tikv1" } });
  const { violations } = await look(await openSubject(standIn));
  expect(keysOf(violations)).toEqual(["leader_imbalance:cluster", "region_down_peer:store:1", "store_down:store:1"]);
  expect(violations.find((v) => v.invariant === "region_down_peer")!.evidence).toEqual({
    region_count: 30,
    sample_region_ids: ["2", "3", "4", "5", "6"],
    cluster_total: 30,
  });
});

test("ids past 2^53 stay exact from PD's JSON to the resource names", async () => {
  const storeIds = ["9007199254740993", "18446744073709551557", "18446744073709551615"];
  await using standIn = await startPdStandIn({ storeIds, firstRegionId: 2n ** 63n });
  await standIn.inject({ name: "store-stop", params: { store: "tikv2" } });
  const { observation, violations } = await look(await openSubject(standIn));
  expect(observation.stores!.map((s) => s.id)).toEqual(storeIds);
  expect(observation.pd.members!.map((m) => m.memberId)).toEqual(["13195394291058371180", "13195394289947260069", "13195394288836148958"]);
  expect(keysOf(violations)).toEqual(["leader_imbalance:cluster", "region_down_peer:store:18446744073709551557", "store_down:store:18446744073709551557"]);
  expect(violations.find((v) => v.invariant === "region_down_peer")!.evidence.sample_region_ids).toEqual(
    [0n, 1n, 2n, 3n, 4n].map((n) => String(2n ** 63n + n)),
  );
});

test("a paused store is Disconnected, not yet Down", async () => {
  await using standIn = await startPdStandIn();
  await standIn.inject({ name: "store-pause", params: { store: "tikv2" } });
  const { violations } = await look(await openSubject(standIn));
  expect(keysOf(violations)).toEqual(["leader_imbalance:cluster", "store_disconnected:store:4"]);
});

test("regions that lost a replica while their store is down miss a peer, blamed on that store", async () => {
  await using standIn = await startPdStandIn();
  await standIn.inject({ name: "store-stop", params: { store: "tikv1" } });
  const subject = await openSubject(standIn);
  for (const region of ["2", "3"]) expect((await run(subject, "remove_peer", { region_id: region, store_id: "1" })).ok).toBe(true);
  const { violations } = await look(subject);
  expect(keysOf(violations)).toEqual(["leader_imbalance:cluster", "region_down_peer:store:1", "region_miss_peer:store:1", "store_down:store:1"]);
  expect(violations.find((v) => v.invariant === "region_miss_peer")!.message).toBe("2 regions are missing a replica on store 1");
});

test("a disk filled to 90% is low space on that store only", async () => {
  await using standIn = await startPdStandIn();
  await standIn.inject({ name: "store-disk-fill", params: { store: "tikv3", available_ratio: 0.1 } });
  const { violations } = await look(await openSubject(standIn));
  expect(keysOf(violations)).toEqual(["store_low_space:store:5"]);
  expect(violations[0]!.evidence.available_ratio).toBe(0.1);
});

test("pending peers over the per-store limit fire on their store; a few do not", async () => {
  await using standIn = await startPdStandIn();
  const subject = await openSubject(standIn);
  await standIn.inject({ name: "pending-peers", params: { store: "tikv2", count: 5 } });
  expect(keysOf((await look(subject)).violations)).toEqual([]);
  await standIn.inject({ name: "pending-peers", params: { store: "tikv2", count: 20 } });
  expect(keysOf((await look(subject)).violations)).toEqual(["region_pending_peer:store:4"]);
});

test("all leaders on one store with balance-leader paused is leader imbalance only", async () => {
  await using standIn = await startPdStandIn();
  await standIn.inject({ name: "leader-skew", params: { store: "tikv1" } });
  const { violations } = await look(await openSubject(standIn));
  expect(keysOf(violations)).toEqual(["leader_imbalance:cluster"]);
  expect(violations[0]!.evidence).toEqual({
    leaders_by_store: { "1": 30, "4": 0, "5": 0 },
    min_store_id: "4",
    max_store_id: "1",
    mean_score: 10,
    paused_schedulers: ["balance-leader-scheduler"],
  });
});

test("a PD member stopped: unhealthy and unreachable, while the cluster keeps its leader", async () => {
  await using standIn = await startPdStandIn();
  await standIn.inject({ name: "pd-stop", params: { member: "pd2" } });
  const { violations } = await look(await openSubject(standIn));
  expect(keysOf(violations)).toEqual(["pd_unhealthy:pd"]);
  expect(violations[0]!.message).toBe(`unhealthy member: pd2; unreachable endpoint: ${standIn.urls[1]}`);
});

test("PD without quorum has no leader: pd_unhealthy, and no store invariant guesses from missing data", async () => {
  await using standIn = await startPdStandIn();
  await standIn.inject({ name: "pd-quorum-loss", params: {} });
  const { observation, violations } = await look(await openSubject(standIn));
  expect(keysOf(violations)).toEqual(["pd_unhealthy:pd"]);
  expect(observation.stores).toBeNull();
  expect(violations[0]!.message).toStartWith("PD has no leader; unhealthy members: pd1, pd2, pd3; unreachable endpoints: ");
});

test("reverting a fault clears what it caused", async () => {
  await using standIn = await startPdStandIn();
  const subject = await openSubject(standIn);
  const fault = { name: "store-stop", params: { store: "tikv1" } };
  await standIn.inject(fault);
  expect(keysOf((await look(subject)).violations)).not.toEqual([]);
  await standIn.revert(fault);
  expect(keysOf((await look(subject)).violations)).toEqual([]);
});

test("faults arrive over HTTP too (a chaos engine in another process), and /stores/check filters by state name", async () => {
  await using standIn = await startPdStandIn();
  const response = await fetch(`${standIn.url}/stand-in/faults`, { method: "POST", body: JSON.stringify({ name: "store-stop", params: { store: "tikv3" } }) });
  expect(response.status).toBe(200);
  const pd = new PdClient({ urls: [standIn.url], timeoutMs: 2_000 });
  expect((await pd.storesInStates(["Down", "disconnected"])).map((s) => [s.id, s.stateName])).toEqual([["5", "Down"]]);
  const refused = await pd.storesInStates(["sleepy"]).catch((e) => e);
  expect([refused.kind, refused.details.httpStatus, refused.message]).toEqual(["http", 400, `PD at ${standIn.url} answered 400 to GET /pd/api/v1/stores/check?state=sleepy: unknown StoreState: sleepy`]);
  const unknownFault = await fetch(`${standIn.url}/stand-in/faults`, { method: "POST", body: JSON.stringify({ name: "meteor" }) });
  expect(unknownFault.status).toBe(400);
});

test("a hung PD member (it accepts, never answers) is skipped after --pd-timeout: the rest is still observed", async () => {
  await using standIn = await startPdStandIn();
  await standIn.inject({ name: "pd-hang", params: { member: "pd1" } });
  await standIn.inject({ name: "store-stop", params: { store: "tikv3" } });
  const { observation, violations } = await look(await openSubject(standIn, { pdTimeout: "300ms" }));
  expect(keysOf(violations)).toEqual(["leader_imbalance:cluster", "pd_unhealthy:pd", "region_down_peer:store:5", "store_down:store:5"]);
  expect(observation.pd.endpoints.map((e) => [e.reachable, e.error ?? null])).toEqual([
    [false, `PD at ${standIn.urls[0]} did not answer GET /pd/api/v1/ping within 300 ms`],
    [true, null],
    [true, null],
  ]);
});
