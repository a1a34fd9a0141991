// Thresholds at their edges, on hand-built observations: each invariant fires just past its limit
// and not at it.
import { expect, test } from "bun:test";
import { violationKey } from "../../lib/subject/subject.ts";
import { invariants } from "./invariants.ts";
import type { StoreMetric, TikvObservation } from "./observation.ts";
import type { PdStore } from "./pd-shapes.ts";

const GIB = 2 ** 30;
const store = (id: string, fields: Partial<PdStore> = {}): PdStore => ({
  id, address: `tikv${id}:20160`, statusAddress: `tikv${id}:20180`, version: "8.5.0", stateName: "Up", labels: {},
  capacityBytes: 100 * GIB, availableBytes: 50 * GIB, usedBytes: 50 * GIB, leaderCount: 100, leaderWeight: 1, leaderScore: 100,
  regionCount: 300, regionWeight: 1, pendingPeerCount: 0, lastHeartbeatMs: 0, uptimeMs: 1, isBusy: false, ...fields,
});
const metric = (resource: string, value: number): StoreMetric => ({ resource, instance: resource.replace("store:", "tikv") + ":20180", value });

function observation(parts: Partial<TikvObservation> = {}): TikvObservation {
  return {
    observedAtMs: 0,
    pd: { endpoints: [{ url: "http://pd1:2379", reachable: true }], leader: "pd1", members: [{ name: "pd1", memberId: "1", clientUrls: [], healthy: true }], clusterId: "1" },
    stores: [store("1"), store("2"), store("3")],
    schedulers: ["balance-leader-scheduler"],
    pausedSchedulers: [],
    evictLeaderStoreIds: [],
    regionChecks: { downPeer: { total: 0, byResource: {} }, missPeer: { total: 0, byResource: {} }, pendingPeer: { total: 0, byResource: {} } },
    localCluster: null,
    metrics: { grpcP99Seconds: [], raftstoreCpuSeconds: [], channelFullPerSecond: [], writeStallMicros: [] },
    errors: [],
    ...parts,
  };
}
const fired = (o: TikvObservation) => invariants.flatMap((i) => i.check(o, 0)).map(violationKey).sort();

test("a quiet cluster fires nothing", () => {
  expect(fired(observation())).toEqual([]);
});

test("low space below 20% of capacity, not at it; tombstones are left alone", () => {
  const stores = [store("1", { availableBytes: 20 * GIB }), store("2", { availableBytes: 19.9 * GIB }), store("3", { availableBytes: 1, stateName: "Tombstone" })];
  expect(fired(observation({ stores }))).toEqual(["store_low_space:store:2"]);
});

test("leader imbalance needs a gap of 10 leaders and over 30% of the mean; weights and evictions count", () => {
  const gap = (counts: number[], extra: Partial<TikvObservation> = {}, weights = [1, 1, 1]) =>
    fired(observation({ stores: counts.map((c, i) => store(String(i + 1), { leaderCount: c, leaderWeight: weights[i]! })), ...extra }));
  expect(gap([10, 10, 19])).toEqual([]);
  expect(gap([10, 10, 20])).toEqual(["leader_imbalance:cluster"]);
  expect(gap([1000, 1000, 1200])).toEqual([]);
  expect(gap([100, 100, 200], {}, [1, 1, 2])).toEqual([]);
  expect(gap([100, 100, 0], { evictLeaderStoreIds: ["3"] })).toEqual([]);
});

test("pending peers fire past 10 on one store", () => {
  const pending = (count: number) => observation({ regionChecks: { downPeer: null, missPeer: null, pendingPeer: { total: count, byResource: { "store:2": { count, sampleRegionIds: ["7"] } } } } });
  expect([fired(pending(10)), fired(pending(11))]).toEqual([[], ["region_pending_peer:store:2"]]);
});

test("Prometheus limits: gRPC p99 over 1 s, raftstore over 1.6 cores or channels full, any write stall", () => {
  const metrics = {
    grpcP99Seconds: [metric("store:1", 1), metric("store:2", 1.01)],
    raftstoreCpuSeconds: [metric("store:1", 1.6), metric("store:2", 1.61), metric("store:3", 0.1)],
    channelFullPerSecond: [metric("store:1", 0), metric("store:3", 0.5)],
    writeStallMicros: [metric("store:1", 0), metric("instance:10.0.0.9:20180", 800)],
  };
  expect(fired(observation({ metrics }))).toEqual([
    "high_grpc_latency:store:2",
    "raftstore_busy:store:2",
    "raftstore_busy:store:3",
    "store_write_stall:instance:10.0.0.9:20180",
  ]);
  const busy = invariants.find((i) => i.name === "raftstore_busy")!.check(observation({ metrics }), 0);
  expect(busy.map((v) => v.message)).toEqual(["store:2 raftstore uses 1.61 cores (over 1.6)", "store:3 raftstore channels are full 0.50 times a second"]);
});

test("PD: no leader, an unhealthy member, an endpoint away, a failing call: one pd_unhealthy", () => {
  const pd = (parts: Partial<TikvObservation["pd"]>, errors: TikvObservation["errors"] = []) =>
    invariants.find((i) => i.name === "pd_unhealthy")!.check(observation({ pd: { ...observation().pd, ...parts }, errors }), 0).map((v) => v.message);
  expect(pd({ leader: null })).toEqual(["PD has no leader"]);
  expect(pd({ members: [{ name: "pd2", memberId: "2", clientUrls: [], healthy: false }] })).toEqual(["unhealthy member: pd2"]);
  expect(pd({ endpoints: [{ url: "http://pd3:2379", reachable: false }] })).toEqual(["unreachable endpoint: http://pd3:2379"]);
  expect(pd({}, [{ source: "pd /stores", message: "500" }, { source: "prometheus grpcP99Seconds", message: "x" }])).toEqual(["failing calls: /stores"]);
});
