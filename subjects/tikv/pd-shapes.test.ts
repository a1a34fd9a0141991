// Real PD answers (from the reference notes: pd-ctl output of PD 4.1 and PD 3.0, pingcap/docs
// samples, PD's own unit-test JSON) read into our shapes.
import { expect, test } from "bun:test";
import { parseExactJson } from "./exact-json.ts";
import { readHealth, readMembers, readRegion, readStore, readStores, ShapeError } from "./pd-shapes.ts";

const PD_41_STORES = `{"count":1,"stores":[{"store":{"id":1,"address":"127.0.0.1:10927","labels":[{"key":"host","value":"tikv1"}],
 "version":"4.1.0-alpha","status_address":"127.0.0.1:20181","git_hash":"ae7a6ecee6e3367da016df0293a9ffe9cc2b5705",
 "start_timestamp":1597532349,"deploy_path":"/root/data/tidb/bin","last_heartbeat":1597541630901730391,"state_name":"Up"},
 "status":{"capacity":"35.03GiB","available":"12.02GiB","used_size":"32.76MiB","leader_count":14,"leader_weight":1,
 "leader_score":14,"leader_size":14,"region_count":22,"region_weight":1,"region_score":22,"region_size":22,
 "start_ts":"2020-08-15T19:59:09-03:00","last_heartbeat_ts":"2020-08-15T22:33:50.901730391-03:00",
 "uptime":"2h34m41.901730391s"}}]}`;

test("a PD 4.1 store: exact heartbeat nanoseconds, modern sizes, Go uptime", () => {
  expect(readStores(parseExactJson(PD_41_STORES))).toEqual([
    {
      id: "1",
      address: "127.0.0.1:10927",
      statusAddress: "127.0.0.1:20181",
      version: "4.1.0-alpha",
      stateName: "Up",
      labels: { host: "tikv1" },
      capacityBytes: Math.round(35.03 * 2 ** 30),
      availableBytes: Math.round(12.02 * 2 ** 30),
      usedBytes: Math.round(32.76 * 2 ** 20),
      leaderCount: 14,
      leaderWeight: 1,
      leaderScore: 14,
      regionCount: 22,
      regionWeight: 1,
      pendingPeerCount: 0,
      lastHeartbeatMs: 1597541630901,
      uptimeMs: 9_281_901.730391,
      isBusy: false,
    },
  ]);
});

test("a PD 3.0 store: spaced sizes, no last_heartbeat (the RFC 3339 time instead), no state_name, no state (Up)", () => {
  const raw = { store: { id: 4, address: "tikv-0:20160" }, status: { capacity: "39 GiB", available: "31 GiB", last_heartbeat_ts: "2019-10-28T08:06:51Z" } };
  const store = readStore(raw);
  expect([store.stateName, store.capacityBytes, store.availableBytes, store.lastHeartbeatMs, store.leaderWeight]).toEqual([
    "Up",
    39 * 2 ** 30,
    31 * 2 ** 30,
    Date.parse("2019-10-28T08:06:51Z"),
    1,
  ]);
});

test("state without state_name: 1 is Offline, 2 Tombstone; state_name wins when present", () => {
  const states = [{ state: 1 }, { state: 2 }, { state_name: "Disconnected" }, { state: 0, state_name: "Down" }].map(
    (meta) => readStore({ store: { id: 9, address: "a", ...meta }, status: {} }).stateName,
  );
  expect(states).toEqual(["Offline", "Tombstone", "Disconnected", "Down"]);
});

test("a region as pd-ctl prints it, and peers with roles as PD's own tests expect them", () => {
  const region = readRegion(
    parseExactJson(`{"id":2,"start_key":"7480000000000000FF1D00000000000000F8","end_key":"7480000000000000FF1F00000000000000F8",
     "epoch":{"conf_ver":1,"version":15},"peers":[{"id":40,"store_id":3},{"id":2,"store_id":20,"role":1,"role_name":"Learner","is_learner":true}],
     "leader":{"id":40,"store_id":3},"down_peers":[{"peer":{"id":3,"store_id":13195394291058371180,"role":2,"role_name":"IncomingVoter"},"down_seconds":1}],
     "written_bytes":0,"read_bytes":0,"written_keys":0,"read_keys":0,"approximate_size":1,"approximate_keys":0}`),
  );
  expect(region).toEqual({
    id: "2",
    startKey: "7480000000000000FF1D00000000000000F8",
    endKey: "7480000000000000FF1F00000000000000F8",
    peers: [
      { id: "40", storeId: "3", roleName: "Voter" },
      { id: "2", storeId: "20", roleName: "Learner" },
    ],
    leader: { id: "40", storeId: "3", roleName: "Voter" },
    downPeers: [{ peer: { id: "3", storeId: "13195394291058371180", roleName: "IncomingVoter" }, downSeconds: 1 }],
    pendingPeers: [],
    approximateSizeMiB: 1,
  });
});

test("members and health with member ids past 2^53; no leader when PD has none", () => {
  const health = readHealth(parseExactJson(`[{"name":"pd","member_id":13195394291058371180,"client_urls":["http://127.0.0.1:2379"],"health":true}]`));
  expect(health).toEqual([{ name: "pd", memberId: "13195394291058371180", clientUrls: ["http://127.0.0.1:2379"], health: true }]);
  const members = readMembers(parseExactJson(`{"header":{"cluster_id":6951224183009478443},"members":[{"name":"pd1","member_id":18446744073709551615,"client_urls":["http://pd1:2379"]}]}`));
  expect(members).toEqual({
    members: [{ name: "pd1", memberId: "18446744073709551615", clientUrls: ["http://pd1:2379"], peerUrls: [] }],
    leader: null,
    clusterId: "6951224183009478443",
  });
});

test("shapes PD does not print are ShapeErrors that say what was wrong", () => {
  expect(() => readStores({ stores: "nope" })).toThrow(new ShapeError("stores is not a list"));
  expect(() => readStore({ store: { id: "abc" } })).toThrow(new ShapeError('store id is not an id: "abc"'));
  expect(() => readHealth({ health: true })).toThrow(ShapeError);
});
