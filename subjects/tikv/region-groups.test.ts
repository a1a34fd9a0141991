import { expect, test } from "bun:test";
import { invariants } from "./invariants.ts";
import type { TikvObservation } from "./observation.ts";
import type { PdRegion, PdStore } from "./pd-shapes.ts";
import { groupDownPeers, groupMissPeers, groupPendingPeers } from "./region-groups.ts";

const peer = (id: number, storeId: string) => ({ id: String(id), storeId, roleName: "Voter" });
const region = (id: string, storeIds: string[], extra: Partial<PdRegion> = {}): PdRegion => ({
  id,
  startKey: "",
  endKey: "",
  peers: storeIds.map((s, i) => peer(Number(id.slice(-6)) * 10 + i, s)),
  leader: null,
  downPeers: [],
  pendingPeers: [],
  approximateSizeMiB: 96,
  ...extra,
});
const store = (id: string, stateName: string): PdStore => ({
  id, address: `tikv-${id}:20160`, statusAddress: null, version: null, stateName, labels: {}, capacityBytes: null, availableBytes: null,
  usedBytes: null, leaderCount: 0, leaderWeight: 1, leaderScore: null, regionCount: 0, regionWeight: 1, pendingPeerCount: 0,
  lastHeartbeatMs: null, uptimeMs: null, isBusy: false,
});

test("1,000 regions with a down peer on one store are one group, with a few sample ids, smallest first", () => {
  const big = 2n ** 60n;
  const regions = Array.from({ length: 1_000 }, (_, i) =>
    region(String(big + BigInt(1_000 - i)), ["1", "4", "5"], { downPeers: [{ peer: peer(i, "4"), downSeconds: 1_900 }] }),
  );
  expect(groupDownPeers(regions)).toEqual({
    total: 1_000,
    byResource: { "store:4": { count: 1_000, sampleRegionIds: [1n, 2n, 3n, 4n, 5n].map((n) => String(big + n)) } },
  });
  const observation = { regionChecks: { downPeer: groupDownPeers(regions), missPeer: null, pendingPeer: null } } as unknown as TikvObservation;
  const violations = invariants.find((i) => i.name === "region_down_peer")!.check(observation, 0);
  expect(violations.map((v) => [v.resource, v.message])).toEqual([["store:4", "1000 regions have a down peer on store 4"]]);
});

test("a region with down peers on two stores counts on both", () => {
  const r = region("7", ["1", "4", "5"], { downPeers: [{ peer: peer(1, "1"), downSeconds: 5 }, { peer: peer(2, "4"), downSeconds: 5 }] });
  expect(Object.keys(groupDownPeers([r]).byResource)).toEqual(["store:1", "store:4"]);
});

test("missing peers are blamed on the one non-serving store the region lacks, else on the cluster", () => {
  const stores = [store("1", "Down"), store("4", "Up"), store("5", "Up"), store("6", "Tombstone")];
  const regions = [region("10", ["4", "5"]), region("11", ["4", "5"]), region("12", ["1", "5"])];
  expect(groupMissPeers(regions, stores)).toEqual({
    total: 3,
    byResource: { "store:1": { count: 2, sampleRegionIds: ["10", "11"] }, cluster: { count: 1, sampleRegionIds: ["12"] } },
  });
  const twoAway = [store("1", "Down"), store("4", "Disconnected"), store("5", "Up")];
  expect(Object.keys(groupMissPeers([region("20", ["5"])], twoAway).byResource)).toEqual(["cluster"]);
});

test("pending peers are blamed on the store of the lagging peer", () => {
  const regions = [region("30", ["1", "4", "5"], { pendingPeers: [peer(1, "5")] }), region("31", ["1", "4", "5"], { pendingPeers: [peer(2, "5")] })];
  expect(groupPendingPeers(regions)).toEqual({ total: 2, byResource: { "store:5": { count: 2, sampleRegionIds: ["30", "31"] } } });
});
