// What must hold in a healthy TiKV cluster, checked on one observation. Region trouble is
// reported per store (one bad store, one ticket); the figures behind each message go in evidence.
import type { Invariant, Violation } from "../../lib/subject/subject.ts";
import { formatByteSize, formatGoDuration } from "./go-units.ts";
import type { RegionCheckSummary, StoreMetric, TikvObservation } from "./observation.ts";
import { storeResource } from "./observation.ts";
import type { PdStore } from "./pd-shapes.ts";
import { GRPC_P99_LIMIT_SECONDS, RAFTSTORE_CPU_LIMIT_SECONDS } from "./promql.ts";

/** Available under this share of capacity is low space (TiKV_low_space alert: 0.2). */
export const LOW_SPACE_RATIO = 0.2;
/** More pending peers than this on one store is more than scheduling traffic. */
export const PENDING_PEERS_PER_STORE_LIMIT = 10;
/** Leader scores may differ by this many leaders before it counts as imbalance… */
export const LEADER_IMBALANCE_MIN_GAP = 10;
/** …and by this share of the mean score. */
export const LEADER_IMBALANCE_RATIO = 0.3;

type TikvInvariant = Invariant<TikvObservation>;

const violation = (invariant: TikvInvariant, resource: string, message: string, evidence: Record<string, unknown>): Violation => ({
  invariant: invariant.name,
  resource,
  severity: invariant.severity,
  message,
  evidence,
});

const storeLabel = (s: PdStore) => `store ${s.id} (${s.address})`;
const storeEvidence = (s: PdStore, now: number) => ({
  store_id: s.id,
  address: s.address,
  state_name: s.stateName,
  last_heartbeat: s.lastHeartbeatMs === null ? null : new Date(s.lastHeartbeatMs).toISOString(),
  heartbeat_age_ms: s.lastHeartbeatMs === null ? null : Math.max(0, now - s.lastHeartbeatMs),
  leader_count: s.leaderCount,
  region_count: s.regionCount,
});
const heartbeatAge = (s: PdStore, now: number) =>
  s.lastHeartbeatMs === null ? "" : ` (last heartbeat ${formatGoDuration(Math.max(0, now - s.lastHeartbeatMs))} ago)`;

function storesIn(state: string, self: () => TikvInvariant, explain: string): TikvInvariant["check"] {
  return (o, now) =>
    (o.stores ?? [])
      .filter((s) => s.stateName === state)
      .map((s) => violation(self(), storeResource(s.id), `${storeLabel(s)} is ${state}${heartbeatAge(s, now)}: ${explain}`, storeEvidence(s, now)));
}

export const storeDown: TikvInvariant = {
  name: "store_down",
  severity: "critical",
  graceMs: 30_000,
  description:
    "Every TiKV store PD knows (not offline or tombstone) must send heartbeats. PD marks a store Down after " +
    "schedule.max-store-down-time (30m by default) without one: its replicas are lost until it returns or PD re-replicates them.",
  check: storesIn("Down", () => storeDown, "its replicas are unavailable and PD will re-replicate them"),
};

export const storeDisconnected: TikvInvariant = {
  name: "store_disconnected",
  severity: "warning",
  graceMs: 30_000,
  description:
    "PD marks a store Disconnected after about 20s without a heartbeat: the TiKV process stopped, hangs, or lost " +
    "its network to PD. Its leaders cannot serve until Raft elects new ones elsewhere.",
  check: storesIn("Disconnected", () => storeDisconnected, "PD hears nothing from it"),
};

export const storeLowSpace: TikvInvariant = {
  name: "store_low_space",
  severity: "warning",
  graceMs: 120_000,
  description: `A serving store must keep at least ${LOW_SPACE_RATIO * 100}% of its capacity available; below it PD stops placing regions there and writes may stall when the disk fills.`,
  check: (o, now) =>
    (o.stores ?? [])
      .filter((s) => s.stateName !== "Tombstone" && s.capacityBytes && s.availableBytes !== null && s.availableBytes < LOW_SPACE_RATIO * s.capacityBytes)
      .map((s) => {
        const ratio = s.availableBytes! / s.capacityBytes!;
        return violation(storeLowSpace, storeResource(s.id), `${storeLabel(s)} has ${formatByteSize(s.availableBytes!)} of ${formatByteSize(s.capacityBytes!)} available (${(ratio * 100).toFixed(1)}%, under ${LOW_SPACE_RATIO * 100}%)`, {
          ...storeEvidence(s, now),
          capacity_bytes: s.capacityBytes,
          available_bytes: s.availableBytes,
          available_ratio: Number(ratio.toFixed(4)),
        });
      }),
};

function regionGroups(
  self: () => TikvInvariant,
  pick: (o: TikvObservation) => RegionCheckSummary | null,
  what: string,
  minCount = 1,
): TikvInvariant["check"] {
  return (o) => {
    const summary = pick(o);
    if (!summary) return [];
    return Object.entries(summary.byResource)
      .filter(([, group]) => group.count >= minCount)
      .map(([resource, group]) =>
        violation(self(), resource, `${group.count} region${group.count === 1 ? "" : "s"} ${what} ${resource === "cluster" ? "(no single store to blame)" : `on ${resource.replace(":", " ")}`}`, {
          region_count: group.count,
          sample_region_ids: group.sampleRegionIds,
          cluster_total: summary.total,
        }),
      );
  };
}

export const regionDownPeer: TikvInvariant = {
  name: "region_down_peer",
  severity: "critical",
  graceMs: 30_000,
  description: "No region may have a down peer (a replica its leader has not heard from). Counted per store holding the down peers, so one dead store is one violation.",
  check: regionGroups(() => regionDownPeer, (o) => o.regionChecks.downPeer, "have a down peer"),
};

export const regionMissPeer: TikvInvariant = {
  name: "region_miss_peer",
  severity: "warning",
  graceMs: 60_000,
  description: "Every region must have max-replicas peers. A region short of one is blamed on the non-serving store it has no peer on, else on the cluster.",
  check: regionGroups(() => regionMissPeer, (o) => o.regionChecks.missPeer, "are missing a replica"),
};

export const regionPendingPeer: TikvInvariant = {
  name: "region_pending_peer",
  severity: "warning",
  graceMs: 120_000,
  description: `A store should not hold more than ${PENDING_PEERS_PER_STORE_LIMIT} pending peers (replicas whose Raft log lags the leader): a slow or overloaded store, or snapshots that do not apply.`,
  check: regionGroups(() => regionPendingPeer, (o) => o.regionChecks.pendingPeer, "have a pending peer", PENDING_PEERS_PER_STORE_LIMIT + 1),
};

export const leaderImbalance: TikvInvariant = {
  name: "leader_imbalance",
  severity: "warning",
  graceMs: 120_000,
  description:
    `Leaders (weighted by leader weight) should be spread evenly over the stores: a gap of more than ${LEADER_IMBALANCE_MIN_GAP} leaders and ` +
    `${LEADER_IMBALANCE_RATIO * 100}% of the mean means one store serves more than its share. Stores emptied on purpose (evict-leader, weight 0) are left out.`,
  check: (o) => {
    const evicted = new Set(o.evictLeaderStoreIds);
    const counted = (o.stores ?? []).filter((s) => (s.stateName === "Up" || s.stateName === "Down" || s.stateName === "Disconnected") && !evicted.has(s.id) && s.leaderWeight > 0);
    if (counted.length < 2) return [];
    const scored = counted.map((s) => ({ store: s, score: s.leaderCount / s.leaderWeight })).sort((a, b) => a.score - b.score);
    const min = scored[0]!;
    const max = scored.at(-1)!;
    const mean = scored.reduce((sum, x) => sum + x.score, 0) / scored.length;
    const gap = max.score - min.score;
    if (gap < LEADER_IMBALANCE_MIN_GAP || gap <= LEADER_IMBALANCE_RATIO * mean) return [];
    return [
      violation(leaderImbalance, "cluster", `leaders are uneven: store ${max.store.id} has ${max.store.leaderCount}, store ${min.store.id} has ${min.store.leaderCount} (mean score ${mean.toFixed(1)})`, {
        leaders_by_store: Object.fromEntries(counted.map((s) => [s.id, s.leaderCount])),
        min_store_id: min.store.id,
        max_store_id: max.store.id,
        mean_score: Number(mean.toFixed(2)),
        paused_schedulers: o.pausedSchedulers ?? [],
      }),
    ];
  },
};

export const pdUnhealthy: TikvInvariant = {
  name: "pd_unhealthy",
  severity: "critical",
  graceMs: 15_000,
  description:
    "PD must have a leader, every member must report healthy, and every --pd-url endpoint must answer. Without a PD leader " +
    "nothing is scheduled and TiKV cannot get timestamps or routes.",
  check: (o) => {
    const unhealthy = (o.pd.members ?? []).filter((m) => m.healthy === false).map((m) => m.name);
    const away = o.pd.endpoints.filter((e) => !e.reachable).map((e) => e.url);
    const pdErrors = o.errors.filter((e) => e.source.startsWith("pd "));
    const noLeader = o.pd.leader === null;
    if (!noLeader && unhealthy.length === 0 && away.length === 0 && pdErrors.length === 0) return [];
    const reasons = [
      noLeader && "PD has no leader",
      unhealthy.length > 0 && `unhealthy member${unhealthy.length > 1 ? "s" : ""}: ${unhealthy.join(", ")}`,
      away.length > 0 && `unreachable endpoint${away.length > 1 ? "s" : ""}: ${away.join(", ")}`,
      pdErrors.length > 0 && `failing calls: ${pdErrors.map((e) => e.source.slice(3)).join(", ")}`,
    ].filter(Boolean);
    return [
      violation(pdUnhealthy, "pd", reasons.join("; "), {
        leader: o.pd.leader,
        unhealthy_members: unhealthy,
        unreachable_endpoints: away,
        errors: pdErrors.map((e) => e.message),
      }),
    ];
  },
};

function metricAbove(
  self: () => TikvInvariant,
  key: keyof NonNullable<TikvObservation["metrics"]>,
  isBad: (m: StoreMetric) => boolean,
  describe: (m: StoreMetric) => string,
): TikvInvariant["check"] {
  return (o) =>
    (o.metrics?.[key] ?? []).filter(isBad).map((m) =>
      violation(self(), m.resource, describe(m), { instance: m.instance, value: m.value, query: key }),
    );
}

export const highGrpcLatency: TikvInvariant = {
  name: "high_grpc_latency",
  severity: "warning",
  graceMs: 60_000,
  description: `TiKV's p99 gRPC message duration (kv_gc excluded) must stay under ${GRPC_P99_LIMIT_SECONDS}s per store (Prometheus).`,
  check: metricAbove(() => highGrpcLatency, "grpcP99Seconds", (m) => m.value > GRPC_P99_LIMIT_SECONDS, (m) => `${m.resource} answers gRPC with p99 ${m.value.toFixed(2)}s (over ${GRPC_P99_LIMIT_SECONDS}s)`),
};

export const raftstoreBusy: TikvInvariant = {
  name: "raftstore_busy",
  severity: "warning",
  graceMs: 60_000,
  description: `The raftstore thread pool must not be saturated: CPU over ${RAFTSTORE_CPU_LIMIT_SECONDS} cores, or its channels full (Prometheus).`,
  check: (o) => {
    const byResource = new Map<string, { instance: string; cpu: number | null; channelFull: number | null }>();
    const entry = (m: StoreMetric) => byResource.get(m.resource) ?? byResource.set(m.resource, { instance: m.instance, cpu: null, channelFull: null }).get(m.resource)!;
    for (const m of o.metrics?.raftstoreCpuSeconds ?? []) entry(m).cpu = m.value;
    for (const m of o.metrics?.channelFullPerSecond ?? []) entry(m).channelFull = m.value;
    return [...byResource]
      .filter(([, x]) => (x.cpu ?? 0) > RAFTSTORE_CPU_LIMIT_SECONDS || (x.channelFull ?? 0) > 0)
      .map(([resource, x]) => {
        const reasons = [
          (x.cpu ?? 0) > RAFTSTORE_CPU_LIMIT_SECONDS && `raftstore uses ${x.cpu!.toFixed(2)} cores (over ${RAFTSTORE_CPU_LIMIT_SECONDS})`,
          (x.channelFull ?? 0) > 0 && `raftstore channels are full ${x.channelFull!.toFixed(2)} times a second`,
        ].filter(Boolean);
        return violation(raftstoreBusy, resource, `${resource} ${reasons.join(", ")}`, {
          instance: x.instance,
          raftstore_cpu_cores: x.cpu,
          channel_full_per_second: x.channelFull,
        });
      });
  },
};

export const storeWriteStall: TikvInvariant = {
  name: "store_write_stall",
  severity: "warning",
  graceMs: 60_000,
  description: "RocksDB must not stall writes on any store (write stall p99 above zero): compaction cannot keep up (Prometheus).",
  check: metricAbove(() => storeWriteStall, "writeStallMicros", (m) => m.value > 0, (m) => `${m.resource} stalls writes (p99 ${Math.round(m.value)}µs)`),
};

export const invariants: TikvInvariant[] = [
  storeDown,
  storeDisconnected,
  storeLowSpace,
  regionDownPeer,
  regionMissPeer,
  regionPendingPeer,
  leaderImbalance,
  pdUnhealthy,
  highGrpcLatency,
  raftstoreBusy,
  storeWriteStall,
];
