// PD's JSON (as real PDs of several versions print it) read into our own plain shapes: ids as
// exact decimal text, sizes in bytes, durations and heartbeats in ms, `state` omitted = Up.
import { idText } from "./exact-json.ts";
import { parseByteSize, parseGoDurationMs } from "./go-units.ts";

/** One TiKV store as PD sees it. Plain JSON: it travels inside the observation. */
export interface PdStore {
  id: string;
  address: string;
  statusAddress: string | null;
  version: string | null;
  /** `Up`, `Disconnected`, `Down`, `Offline`, `Tombstone` (PD's state_name). */
  stateName: string;
  labels: Record<string, string>;
  capacityBytes: number | null;
  availableBytes: number | null;
  usedBytes: number | null;
  leaderCount: number;
  leaderWeight: number;
  leaderScore: number | null;
  regionCount: number;
  regionWeight: number;
  pendingPeerCount: number;
  /** Unix ms of the last store heartbeat PD received. */
  lastHeartbeatMs: number | null;
  uptimeMs: number | null;
  isBusy: boolean;
}

export interface PdPeer {
  id: string;
  storeId: string;
  roleName: string;
}

export interface PdRegion {
  id: string;
  startKey: string;
  endKey: string;
  peers: PdPeer[];
  leader: PdPeer | null;
  downPeers: { peer: PdPeer; downSeconds: number }[];
  pendingPeers: PdPeer[];
  approximateSizeMiB: number;
}

export interface PdMember {
  name: string;
  memberId: string;
  clientUrls: string[];
  peerUrls: string[];
}

export interface PdMemberHealth {
  name: string;
  memberId: string;
  clientUrls: string[];
  health: boolean;
}

export interface PdMembers {
  members: PdMember[];
  /** The PD leader's name, or null when the cluster has none. */
  leader: string | null;
  clusterId: string | null;
}

/** A shape PD did not follow: the caller reports it as a bad answer, never crashes on it. */
export class ShapeError extends Error {
  override name = "ShapeError";
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const asObject = (value: unknown, what: string): Json => {
  if (!isObject(value)) throw new ShapeError(`${what} is not an object`);
  return value;
};
const asArray = (value: unknown, what: string): unknown[] => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ShapeError(`${what} is not a list`);
  return value;
};
const requireId = (value: unknown, what: string): string => {
  const id = idText(value);
  if (id === undefined) throw new ShapeError(`${what} is not an id: ${JSON.stringify(value)}`);
  return id;
};
const num = (value: unknown, fallback = 0): number => (typeof value === "number" && Number.isFinite(value) ? value : fallback);
const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

const STATE_NAMES = ["Up", "Offline", "Tombstone"];

/** One `{store, status}` item of `/stores`, `/stores/check` or `/store/{id}`. */
export function readStore(raw: unknown): PdStore {
  const item = asObject(raw, "store item");
  const meta = asObject(item.store, "store.store");
  const status = isObject(item.status) ? item.status : {};
  const id = requireId(meta.id, "store id");
  // metapb.Store's `state` is omitempty: absent means Up (0). PD adds state_name, derived Down/Disconnected included.
  const stateName = text(meta.state_name) ?? STATE_NAMES[num(meta.state)] ?? `state ${String(meta.state)}`;
  return {
    id,
    address: text(meta.address) ?? "",
    statusAddress: text(meta.status_address),
    version: text(meta.version),
    stateName,
    labels: Object.fromEntries(
      asArray(meta.labels, "store labels").filter(isObject).map((l) => [String(l.key), String(l.value)]),
    ),
    capacityBytes: parseByteSize(status.capacity) ?? null,
    availableBytes: parseByteSize(status.available) ?? null,
    usedBytes: parseByteSize(status.used_size) ?? null,
    leaderCount: num(status.leader_count),
    leaderWeight: num(status.leader_weight, 1),
    leaderScore: typeof status.leader_score === "number" ? status.leader_score : null,
    regionCount: num(status.region_count),
    regionWeight: num(status.region_weight, 1),
    pendingPeerCount: num(status.pending_peer_count),
    lastHeartbeatMs: heartbeatMs(meta.last_heartbeat, status.last_heartbeat_ts),
    uptimeMs: parseGoDurationMs(status.uptime) ?? null,
    isBusy: status.is_busy === true,
  };
}

/** `last_heartbeat` is Unix ns (past 2^53, so exact text here); older PDs only print `last_heartbeat_ts`. */
function heartbeatMs(nanos: unknown, rfc3339: unknown): number | null {
  const id = idText(nanos);
  if (id !== undefined && id !== "0") return Number(BigInt(id) / 1_000_000n);
  if (typeof rfc3339 === "string") {
    const ms = Date.parse(rfc3339);
    if (Number.isFinite(ms)) return ms;
  }
  return null;
}

export function readStores(raw: unknown): PdStore[] {
  const body = asObject(raw, "stores answer");
  return asArray(body.stores, "stores").map(readStore);
}

export function readPeer(raw: unknown): PdPeer {
  const peer = asObject(raw, "peer");
  return {
    id: requireId(peer.id, "peer id"),
    storeId: requireId(peer.store_id, "peer store_id"),
    roleName: text(peer.role_name) ?? (peer.is_learner === true ? "Learner" : "Voter"),
  };
}

export function readRegion(raw: unknown): PdRegion {
  const region = asObject(raw, "region");
  return {
    id: requireId(region.id, "region id"),
    startKey: text(region.start_key) ?? "",
    endKey: text(region.end_key) ?? "",
    peers: asArray(region.peers, "region peers").map(readPeer),
    leader: isObject(region.leader) && region.leader.store_id !== undefined ? readPeer(region.leader) : null,
    downPeers: asArray(region.down_peers, "down_peers").map((d) => {
      const item = asObject(d, "down peer");
      return { peer: readPeer(item.peer), downSeconds: num(item.down_seconds) };
    }),
    pendingPeers: asArray(region.pending_peers, "pending_peers").map(readPeer),
    approximateSizeMiB: num(region.approximate_size),
  };
}

export function readRegions(raw: unknown): PdRegion[] {
  const body = asObject(raw, "regions answer");
  return asArray(body.regions, "regions").map(readRegion);
}

export function readMember(raw: unknown): PdMember {
  const member = asObject(raw, "member");
  return {
    name: text(member.name) ?? "",
    memberId: requireId(member.member_id, "member_id"),
    clientUrls: asArray(member.client_urls, "client_urls").map(String),
    peerUrls: asArray(member.peer_urls, "peer_urls").map(String),
  };
}

export function readMembers(raw: unknown): PdMembers {
  const body = asObject(raw, "members answer");
  const leader = isObject(body.leader) && typeof body.leader.name === "string" && body.leader.name !== "" ? body.leader.name : null;
  const header = isObject(body.header) ? body.header : {};
  return {
    members: asArray(body.members, "members").map(readMember),
    leader,
    clusterId: idText(header.cluster_id) ?? null,
  };
}

export function readHealth(raw: unknown): PdMemberHealth[] {
  return asArray(raw, "health answer").map((item) => {
    const member = asObject(item, "member health");
    return {
      name: text(member.name) ?? "",
      memberId: requireId(member.member_id, "member_id"),
      clientUrls: asArray(member.client_urls, "client_urls").map(String),
      health: member.health === true,
    };
  });
}

/** `/scheduler-config/evict-leader-scheduler/list`: `{"store-id-ranges": {"1": [...]}, "batch": 3}`. */
export function readEvictLeaderStores(raw: unknown): string[] {
  const body = asObject(raw, "evict-leader config");
  const ranges = isObject(body["store-id-ranges"]) ? body["store-id-ranges"] : {};
  return Object.keys(ranges).filter((id) => /^\d+$/.test(id));
}

export function readStringList(raw: unknown, what: string): string[] {
  return asArray(raw, what).map((item) => {
    if (typeof item === "string") return item;
    if (isObject(item) && typeof item.name === "string") return item.name;
    throw new ShapeError(`${what} holds ${JSON.stringify(item)}, not a name`);
  });
}
