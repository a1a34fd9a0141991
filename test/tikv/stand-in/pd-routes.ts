// PD's HTTP API v1 as real PDs print it, rendered from the stand-in's model: exact uint64 ids as
// bare integers, sizes as go-units text (`"465.6GiB"`, or PD 3.x's `"39 GiB"`), `state` omitted
// when Up, JSON-string answers to mutating calls and JSON-string errors with 4xx/5xx.
import { stringifyExactJson } from "../../../subjects/tikv/exact-json.ts";
import { formatByteSize, formatGoDuration } from "../../../subjects/tikv/go-units.ts";
import { EVICT_LEADER, type ClusterModel, type ModelRegion, type ModelStore } from "./cluster-model.ts";

export type SizeFormat = "modern" | "legacy";

const json = (value: unknown, status = 200) =>
  new Response(stringifyExactJson(value), { status, headers: { "content-type": "application/json; charset=UTF-8" } });
/** PD answers errors (and mutating calls) with a JSON-encoded string. */
const message = (text: string, status = 200) => json(text, status);

const STATE_CODES: Record<string, number> = { Up: 0, Offline: 1, Tombstone: 2 };

function renderStore(model: ClusterModel, s: ModelStore, sizes: SizeFormat) {
  const size = (bytes: number) => formatByteSize(bytes, { spaced: sizes === "legacy" });
  const heartbeatMs = model.lastHeartbeatMs(s);
  const leaders = model.leadersOn(s.id);
  const regions = model.peersOn(s.id);
  const pending = model.regions.filter((r) => r.pendingStoreIds.has(s.id)).length;
  return {
    store: {
      id: BigInt(s.id),
      address: s.address,
      // metapb.Store's state is omitempty: an Up store has none.
      ...(STATE_CODES[s.state] ? { state: STATE_CODES[s.state] } : {}),
      labels: [{ key: "host", value: s.name }],
      version: "8.5.0",
      peer_address: s.address,
      status_address: s.statusAddress,
      git_hash: "ae7a6ecee6e3367da016df0293a9ffe9cc2b5705",
      start_timestamp: Math.floor(s.startedAtMs / 1000),
      deploy_path: "/",
      last_heartbeat: BigInt(heartbeatMs) * 1_000_000n + 391n,
      state_name: model.stateName(s),
    },
    status: {
      capacity: size(s.capacityBytes),
      available: size(model.availableBytes(s)),
      used_size: size(model.usedBytes(s)),
      leader_count: leaders,
      leader_weight: s.leaderWeight,
      leader_score: s.leaderWeight > 0 ? leaders / s.leaderWeight : 0,
      leader_size: leaders * (model.regionSizeBytes / 2 ** 20),
      region_count: regions,
      region_weight: s.regionWeight,
      region_score: s.regionWeight > 0 ? regions / s.regionWeight : 0,
      region_size: regions * (model.regionSizeBytes / 2 ** 20),
      ...(pending > 0 ? { pending_peer_count: pending } : {}),
      start_ts: new Date(s.startedAtMs).toISOString().replace("Z", "+00:00"),
      last_heartbeat_ts: new Date(heartbeatMs).toISOString().replace("Z", "+00:00"),
      ...(s.stoppedAtMs === null ? { uptime: `${formatGoDuration(model.now() - s.startedAtMs).replace(/s$/, "")}.901730391s` } : {}),
    },
  };
}

function renderRegion(model: ClusterModel, r: ModelRegion) {
  const peer = (p: { id: string; storeId: string }) => ({ id: BigInt(p.id), store_id: BigInt(p.storeId), role_name: "Voter" });
  const leader = r.peers.find((p) => p.storeId === r.leaderStoreId);
  const down = model.downPeers(r);
  const pending = r.peers.filter((p) => r.pendingStoreIds.has(p.storeId));
  const index = BigInt(r.id);
  return {
    id: index,
    start_key: `7480000000000000FF${index.toString(16).toUpperCase().padStart(4, "0")}5F720000000000FA`,
    end_key: `7480000000000000FF${(index + 1n).toString(16).toUpperCase().padStart(4, "0")}5F720000000000FA`,
    epoch: { conf_ver: r.confVer, version: r.version },
    peers: r.peers.map(peer),
    ...(leader ? { leader: peer(leader) } : { leader: {} }),
    ...(down.length ? { down_peers: down.map((p) => ({ peer: peer(p), down_seconds: model.downSeconds(p) })) } : {}),
    ...(pending.length ? { pending_peers: pending.map(peer) } : {}),
    cpu_usage: 0,
    written_bytes: 0,
    read_bytes: 0,
    written_keys: 0,
    read_keys: 0,
    approximate_size: model.regionSizeBytes / 2 ** 20,
    approximate_keys: 1_000_000,
  };
}

const regions = (model: ClusterModel, list: ModelRegion[]) => json({ count: list.length, regions: list.map((r) => renderRegion(model, r)) });

function renderMember(model: ClusterModel, name: string, urls: Map<string, string>) {
  const member = model.members.find((m) => m.name === name)!;
  const url = urls.get(name)!;
  return { name, member_id: member.memberId, peer_urls: [url.replace(/:\d+$/, ":2380")], client_urls: [url], deploy_path: "/", binary_version: "v8.5.0" };
}

async function body(req: Request): Promise<Record<string, unknown> | null> {
  try {
    const value = await req.json();
    return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** One PD request. `urls` maps member name → its client URL. */
export async function handlePd(model: ClusterModel, req: Request, urls: Map<string, string>, sizes: SizeFormat): Promise<Response> {
  const url = new URL(req.url);
  const path = url.pathname;
  const method = req.method;
  if (!path.startsWith("/pd/api/v1/")) return new Response("404 page not found\n", { status: 404, headers: { "content-type": "text/plain" } });
  const route = path.slice("/pd/api/v1".length);
  model.settle();
  const leader = model.pdLeader();
  if (route === "/ping") return new Response(null, { status: 200 });

  if (route === "/members" && method === "GET") {
    const members = model.members.map((m) => renderMember(model, m.name, urls));
    const lead = leader ? renderMember(model, leader.name, urls) : undefined;
    return json({ header: { cluster_id: 7439107315405284631n }, members, ...(lead ? { leader: lead, etcd_leader: lead } : {}) });
  }
  if (route === "/health" && method === "GET") {
    return json(model.members.map((m) => ({ name: m.name, member_id: m.memberId, client_urls: [urls.get(m.name)], health: m.up && leader !== null })));
  }
  // Everything else is served by (or redirected to) the leader.
  if (!leader) return message("[PD:apiutil:ErrRedirectNoLeader]redirect finds no leader", 500);

  if (route === "/stores" && method === "GET") {
    const list = model.stores.filter((s) => s.state !== "Tombstone").map((s) => renderStore(model, s, sizes));
    return json({ count: list.length, stores: list });
  }
  if (route === "/stores/check" && method === "GET") {
    const wanted = url.searchParams.getAll("state").map((st) => st.toLowerCase());
    const unknown = wanted.find((st) => !["up", "disconnected", "down", "offline", "tombstone"].includes(st));
    if (unknown !== undefined) return message(`unknown StoreState: ${unknown}`, 400);
    const list = model.stores.filter((s) => wanted.includes(model.stateName(s).toLowerCase())).map((s) => renderStore(model, s, sizes));
    return json({ count: list.length, stores: list });
  }
  const storeMatch = /^\/store\/(\d+)(\/weight)?$/.exec(route);
  if (storeMatch) {
    const store = model.stores.find((s) => s.id === storeMatch[1]);
    if (!store) return message(`[PD:core:ErrStoreNotFound]store id ${storeMatch[1]} not found`, 404);
    if (storeMatch[2] && method === "POST") {
      const weights = await body(req);
      if (!weights || typeof weights.leader !== "number" || typeof weights.region !== "number") return message("[PD:apiutil:ErrJSONUnmarshal]invalid weight", 400);
      store.leaderWeight = weights.leader;
      store.regionWeight = weights.region;
      model.settle();
      return message("The store's label is updated.");
    }
    if (!storeMatch[2] && method === "DELETE") {
      if (store.state === "Tombstone") return message(`[PD:core:ErrStoreRemoved]store ${store.id} has been removed`, 410);
      store.state = "Offline";
      model.settle();
      return message("The store is set as Offline.");
    }
    if (!storeMatch[2] && method === "GET") return json(renderStore(model, store, sizes));
  }
  const check = /^\/regions\/check\/([a-z-]+)$/.exec(route);
  if (check && method === "GET") {
    const pick: Record<string, (r: ModelRegion) => boolean> = {
      "down-peer": (r) => model.downPeers(r).length > 0,
      "miss-peer": (r) => r.peers.length < model.maxReplicas,
      "extra-peer": (r) => r.peers.length > model.maxReplicas,
      "pending-peer": (r) => r.peers.some((p) => r.pendingStoreIds.has(p.storeId)),
      "offline-peer": (r) => r.peers.some((p) => model.store(p.storeId).state === "Offline"),
      "empty-region": () => false,
    };
    const test = pick[check[1]!];
    if (!test) return message(`[PD:apiutil:ErrRegionCheck]unknown region check ${check[1]}`, 400);
    return regions(model, model.regions.filter(test));
  }
  const regionMatch = /^\/region\/id\/(\d+)$/.exec(route);
  if (regionMatch && method === "GET") {
    const region = model.regions.find((r) => r.id === regionMatch[1]);
    return region ? json(renderRegion(model, region)) : message(`[PD:region:ErrRegionNotFound]region ${regionMatch[1]} not found`, 404);
  }
  if (route === "/regions" && method === "GET") return regions(model, model.regions);
  if (route === "/schedulers" && method === "GET") {
    const status = url.searchParams.get("status");
    return json(status === "paused" ? model.schedulers.filter((n) => model.isPaused(n)) : model.schedulers);
  }
  if (route === "/schedulers" && method === "POST") return addScheduler(model, await body(req));
  const schedulerMatch = /^\/schedulers\/([a-z0-9-]+)$/.exec(route);
  if (schedulerMatch && method === "DELETE") return removeScheduler(model, schedulerMatch[1]!);
  if (schedulerMatch && method === "POST") {
    const name = schedulerMatch[1]!;
    const input = await body(req);
    if (!model.schedulers.includes(name)) return message(`[PD:scheduler:ErrSchedulerNotFound]scheduler not found`, 500);
    if (!input || typeof input.delay !== "number") return message("[PD:apiutil:ErrJSONUnmarshal]delay is required", 400);
    if (input.delay > 0) model.paused.set(name, model.now() + input.delay * 1000);
    else model.paused.delete(name);
    model.settle();
    return message("Pause or resume the scheduler successfully.");
  }
  if (route === `/scheduler-config/${EVICT_LEADER}/list` && method === "GET") {
    if (!model.schedulers.includes(EVICT_LEADER)) return new Response("404 page not found\n", { status: 404 });
    return json({ "store-id-ranges": Object.fromEntries([...model.evictLeaderStoreIds].map((id) => [id, [{ "start-key": "", "end-key": "" }]])), batch: 3 });
  }
  if (route === "/operators" && method === "GET") return json(model.operators.filter((o) => model.now() - o.atMs < 10_000).map((o) => o.text));
  if (route === "/operators" && method === "POST") return createOperator(model, await body(req));
  if (route === "/config" && method === "GET") return json({ schedule: scheduleConfig(model), replication: { "max-replicas": model.maxReplicas, "location-labels": "" } });
  if (route === "/config/schedule" && method === "GET") return json(scheduleConfig(model));
  if (route === "/config/replicate" && method === "GET") return json({ "max-replicas": model.maxReplicas, "location-labels": "", "isolation-level": "" });
  return new Response("404 page not found\n", { status: 404, headers: { "content-type": "text/plain" } });
}

const scheduleConfig = (model: ClusterModel) => ({
  "max-store-down-time": formatGoDuration(model.maxStoreDownTimeMs),
  "leader-schedule-limit": 4,
  "region-schedule-limit": 2048,
  "replica-schedule-limit": 64,
  "low-space-ratio": 0.8,
  "high-space-ratio": 0.7,
});

function addScheduler(model: ClusterModel, input: Record<string, unknown> | null): Response {
  if (!input || typeof input.name !== "string") return message("[PD:apiutil:ErrJSONUnmarshal]missing scheduler name", 400);
  if (input.name === EVICT_LEADER) {
    const id = String(input.store_id ?? "");
    if (!model.stores.some((s) => s.id === id)) return message(`[PD:core:ErrStoreNotFound]store id ${id} not found`, 500);
    model.evictLeaderStoreIds.add(id);
    if (!model.schedulers.includes(EVICT_LEADER)) model.schedulers.push(EVICT_LEADER);
  } else if (!model.schedulers.includes(input.name)) {
    model.schedulers.push(input.name);
  } else {
    return message(`[PD:scheduler:ErrSchedulerExisted]scheduler existed`, 400);
  }
  model.settle();
  return message("The scheduler is created.");
}

function removeScheduler(model: ClusterModel, name: string): Response {
  const perStore = name.startsWith(`${EVICT_LEADER}-`) ? name.slice(EVICT_LEADER.length + 1) : null;
  if (perStore !== null) {
    if (!model.evictLeaderStoreIds.delete(perStore)) return message("[PD:scheduler:ErrSchedulerNotFound]scheduler not found", 404);
    if (model.evictLeaderStoreIds.size === 0) model.schedulers = model.schedulers.filter((n) => n !== EVICT_LEADER);
  } else {
    if (!model.schedulers.includes(name)) return message("[PD:scheduler:ErrSchedulerNotFound]scheduler not found", 404);
    model.schedulers = model.schedulers.filter((n) => n !== name);
    if (name === EVICT_LEADER) model.evictLeaderStoreIds.clear();
  }
  model.settle();
  return message("The scheduler is removed.");
}

function createOperator(model: ClusterModel, input: Record<string, unknown> | null): Response {
  if (!input || typeof input.name !== "string") return message("missing operator name", 400);
  const region = model.regions.find((r) => r.id === String(input.region_id));
  if (!region) return message(`[PD:region:ErrRegionNotFound]region ${String(input.region_id)} not found`, 404);
  const at = new Date(model.now()).toISOString();
  if (input.name === "transfer-leader") {
    const to = String(input.to_store_id);
    if (!region.peers.some((p) => p.storeId === to)) return message(`region has no voter in store ${to}`, 500);
    if (!model.isServing(model.store(to))) return message(`[PD:core:ErrStoreUnhealthy]store ${to} is unhealthy`, 500);
    const from = region.leaderStoreId;
    region.leaderStoreId = to;
    model.recordOperator(`admin-transfer-leader {transfer leader: store ${from} to ${to}} (kind:admin,leader, region:${region.id}(${region.version}, ${region.confVer}), createAt:${at}, startAt:${at}, currentStep:0, size:2048, steps:[transfer leader from store ${from} to store ${to}])`);
    return message("The operator is created.");
  }
  if (input.name === "remove-peer") {
    const storeId = String(input.store_id);
    if (!region.peers.some((p) => p.storeId === storeId)) return message(`region has no peer in store ${storeId}`, 500);
    model.removePeer(region, storeId);
    model.recordOperator(`admin-remove-peer {rm peer: store [${storeId}]} (kind:admin,region, region:${region.id}(${region.version}, ${region.confVer}), createAt:${at}, startAt:${at}, currentStep:0, size:2048, steps:[remove peer on store ${storeId}])`);
    model.settle();
    return message("The operator is created.");
  }
  return message("unknown operator", 400);
}
