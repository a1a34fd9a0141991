// The rate limiter's invariants: each a pure check of one observation, with its severity, grace
// and a description a person and an LLM can read. Resources: `node:<id>`, `redis`, `key:<key>`.
import type { Invariant, Severity, Violation } from "../../lib/subject.ts";
import type { RatelimiterObservation } from "./observation.ts";
import { stalenessOf } from "./staleness.ts";
import { THRESHOLDS as T } from "./thresholds.ts";
import { isAlgorithm } from "./wire.ts";

type Check = (o: RatelimiterObservation, now: number) => Violation[];

function invariant(name: string, severity: Severity, graceMs: number, description: string, check: Check): Invariant<RatelimiterObservation> {
  return { name, severity, graceMs, description, check };
}

const violation = (invariant: string, severity: Severity, resource: string, message: string, evidence: Record<string, unknown>): Violation => ({
  invariant, severity, resource, message, evidence,
});

const live = (o: RatelimiterObservation) => o.nodes.filter((n) => n.reachable);
const round = (n: number) => Math.round(n * 100) / 100;

export const nodeDown = invariant("node_down", "critical", 6_000,
  "A rate-limiter node that is configured (or registered in Redis) does not answer its HTTP API: the connection is refused (the process is gone), " +
  "times out (paused, hung or cut off), or the answer is not the API. Clients routed to it fail; the other nodes carry its traffic.",
  (o) => o.nodes.filter((n) => !n.reachable).map((n) =>
    violation("node_down", "critical", `node:${n.id}`, `node ${n.id} (${n.url}) does not answer: ${n.failure?.message ?? "no answer"}`,
      { url: n.url, origin: n.origin, failure: n.failure?.kind ?? "unknown", error: n.failure?.message ?? null })));

export const redisUnreachable = invariant("redis_unreachable", "critical", 6_000,
  "Redis, the shared state of every node, cannot be reached: it refuses connections (down), accepts them but never answers (paused or blocked), " +
  "drops them, or answers reads while its writes never complete (paused for writes). Nodes then decide by their fail policy (fail-open admits " +
  "everything, fail-closed denies everything, local enforces a share).",
  (o) => {
    const nodesConnected = () => live(o).map((n) => ({ node: n.id, connected: n.redisConnected ?? null }));
    if (o.redis && !o.redis.reachable) {
      return [violation("redis_unreachable", "critical", "redis", `Redis ${o.redis.url} ${o.redis.failure?.message ?? "does not answer"}`,
        { url: o.redis.url, failure: o.redis.failure?.kind ?? "unknown", error: o.redis.failure?.message ?? null, nodes_connected: nodesConnected() })];
    }
    const writes = o.redis?.writes;
    if (o.redis && writes && !writes.ok && writes.kind === "no_reply") {
      return [violation("redis_unreachable", "critical", "redis", `Redis ${o.redis.url} ${writes.message}`,
        { url: o.redis.url, failure: "writes_blocked", error: writes.message, nodes_connected: nodesConnected() })];
    }
    const nodes = live(o);
    if (!o.redis && nodes.length > 0 && nodes.every((n) => n.redisConnected === false)) {
      return [violation("redis_unreachable", "critical", "redis", `no node reaches Redis (${nodes.map((n) => n.id).join(", ")} report it disconnected)`,
        { seen_by: "nodes", nodes: nodes.map((n) => ({ node: n.id, mode: n.mode ?? null })) })];
    }
    return [];
  });

export const nodeDegraded = invariant("node_degraded", "warning", 10_000,
  "A node decides without Redis: its mode is fail-open (admits every check: limits are not enforced), fail-closed (denies every check) " +
  "or local (enforces only its own share of each limit). Its link to Redis is down or too slow even if Redis itself is fine.",
  (o) => live(o).filter((n) => (n.mode !== undefined && n.mode !== "redis") || n.redisConnected === false).map((n) =>
    violation("node_degraded", n.mode === "fail-open" ? "critical" : "warning", `node:${n.id}`,
      `node ${n.id} decides without Redis (mode ${n.mode ?? "unknown"}, redis ${n.redisConnected ? "connected" : "disconnected"})`,
      { mode: n.mode ?? null, fail_policy: n.failPolicy ?? null, redis_connected: n.redisConnected ?? null, redis_latency_ms: n.redisLatencyMs ?? null })));

/** The latency limits a deployment may set for itself (`--check-p99-threshold`, `--redis-latency-threshold`), ms. */
export interface LatencyLimits {
  checkP99Ms: number;
  redisLatencyMs: number;
}

export const DEFAULT_LATENCY_LIMITS: LatencyLimits = { checkP99Ms: T.checkP99Ms, redisLatencyMs: T.redisLatencyMs };

export const highCheckLatencyOver = (limitMs: number) => invariant("high_check_latency", "warning", 30_000,
  `A node's checks are slow: p99 of ratelimiter_check_duration_seconds over the last ~30 s is above ${limitMs} ms. ` +
  "Usually its Redis round trip is slow (a slow link or a slow Redis), or the node is overloaded.",
  (o) => live(o).filter((n) => n.checkP99Ms !== undefined && n.checkP99Ms > limitMs).map((n) =>
    violation("high_check_latency", "warning", `node:${n.id}`, `node ${n.id} p99 check latency is ${n.checkP99Ms} ms (over ${limitMs} ms)`,
      { p99_ms: n.checkP99Ms, samples: n.checkSamples ?? null, redis_latency_ms: n.redisLatencyMs ?? null })));

export const redisLatencyOver = (limitMs: number) => invariant("redis_latency", "warning", 20_000,
  `Redis answers slowly: the operator's PING takes over ${limitMs} ms (resource redis: Redis itself is slow), or one node's own ` +
  "latency to Redis is (resource node:<id>: the link between that node and Redis is slow while Redis is fine).",
  (o) => {
    const found: Violation[] = [];
    const operatorMs = o.redis?.reachable ? o.redis.latencyMs : undefined;
    if (operatorMs !== undefined && operatorMs > limitMs) {
      found.push(violation("redis_latency", "warning", "redis", `Redis answers the operator in ${operatorMs} ms (over ${limitMs} ms)`, { latency_ms: operatorMs, seen_by: "operator" }));
    }
    for (const n of live(o)) {
      if (n.redisConnected && n.redisLatencyMs !== undefined && n.redisLatencyMs > limitMs) {
        found.push(violation("redis_latency", "warning", `node:${n.id}`, `node ${n.id} reaches Redis in ${round(n.redisLatencyMs)} ms (over ${limitMs} ms)`,
          { node_latency_ms: n.redisLatencyMs, operator_latency_ms: operatorMs ?? null }));
      }
    }
    return found;
  });

export const highCheckLatency = highCheckLatencyOver(T.checkP99Ms);
export const redisLatency = redisLatencyOver(T.redisLatencyMs);

export const redisMemory = invariant("redis_memory", "warning", 10_000,
  `Redis is near maxmemory (at least ${T.memoryRatio * 100}% used), evicts keys (counters vanish: limits silently reset) or refuses writes ` +
  "with OOM (checks fail and nodes fall back to their fail policy).",
  (o) => {
    const m = o.redis?.reachable ? o.redis.memory : undefined;
    if (!m) return [];
    const ratio = m.maxBytes > 0 ? m.usedBytes / m.maxBytes : 0;
    const refusing = m.oomRejectionsDelta > 0 || (o.redis?.writes?.ok === false && o.redis.writes.kind === "oom");
    const evicting = m.evictedKeysDelta > 0;
    if (!refusing && !evicting && ratio < T.memoryRatio) return [];
    const what = refusing ? `refuses writes (OOM; ${m.oomRejectionsDelta} OOM errors since the last cycle)` : evicting ? `evicted ${m.evictedKeysDelta} keys since the last cycle` : "is near maxmemory";
    return [violation("redis_memory", refusing || evicting ? "critical" : "warning", "redis", `Redis ${what}: ${Math.round(ratio * 100)}% of maxmemory used`,
      { used_bytes: m.usedBytes, max_bytes: m.maxBytes, used_ratio: round(ratio), policy: m.policy, evicted_keys: m.evictedKeysDelta, oom_rejections: m.oomRejectionsDelta })];
  });

export const overAdmission = invariant("over_admission", "critical", 0,
  "A key was admitted more than its limit within one window, summed over all nodes (counted from the nodes' hot-keys reports, a lower bound). " +
  "Causes: nodes deciding without Redis (fail-open, or local shares that do not add up), counters reset or evicted, or the fixed-window " +
  "edge burst (a full limit at the end of one window and another at the start of the next).",
  (o) => o.keys.flatMap((k) => {
    if (k.limit === undefined || k.windowMs === undefined || !isAlgorithm(k.algorithm)) return [];
    const allowedMax = Math.floor(k.limit * T.admissionFactor[k.algorithm]);
    if (k.lastWindow.allowed <= allowedMax) return [];
    return [violation("over_admission", "critical", `key:${k.key}`,
      `key ${k.key} was admitted ${k.lastWindow.allowed} times in ${k.windowMs} ms (limit ${k.limit}, ${k.algorithm})`,
      { admitted: k.lastWindow.allowed, limit: k.limit, window_ms: k.windowMs, algorithm: k.algorithm, covered_ms: k.lastWindow.coveredMs,
        counters: k.counters.map((c) => ({ node: c.node, count: c.count, source: c.source })),
        nodes_falling_back: live(o).filter((n) => (n.recentFallbacks ?? 0) > 0 || n.mode !== "redis").map((n) => ({ node: n.id, mode: n.mode ?? null, fallbacks_last_minute: n.recentFallbacks ?? null })) })];
  }));

/**
 * Checks of a key over its own last window, when the traffic ledger covers most of one (its
 * increments end a cycle short of a full window); else all the nodes reported (their hot-keys
 * windows may be far longer than the key's: a conservative figure).
 */
const checksPerWindow = (k: RatelimiterObservation["keys"][number]) =>
  k.windowMs !== undefined && k.lastWindow.coveredMs >= T.windowCoverage * k.windowMs ? k.lastWindow.checks : k.reported.checks;

export const overThrottling = invariant("over_throttling", "warning", 20_000,
  "A key is being denied although its traffic is within its limit (its checks over its last window, or all reported when that is not " +
  "known yet, are no more than the limit), nearly every recent check of it is refused, and it is not blocked: its counter is stuck (no TTL, or a count that does not drain), so clients are refused for nothing.",
  (o) => o.keys.flatMap((k) => {
    const checks = checksPerWindow(k);
    if (k.limit === undefined || k.blocked === true || k.recent.denied === 0 || checks > k.limit) return [];
    if (k.recent.denied < T.stuckDeniedShare * k.recent.checks || k.reported.denied < T.stuckReportedDeniedShare * k.reported.checks) return [];
    return [violation("over_throttling", "warning", `key:${k.key}`,
      `key ${k.key} is denied (${k.recent.denied} recently) with only ${checks} checks per window against a limit of ${k.limit}`,
      { denied_recently: k.recent.denied, checks_per_window: checks, checks_reported: k.reported.checks, limit: k.limit, window_ms: k.windowMs ?? null, algorithm: k.algorithm ?? null,
        blocked: k.blocked ?? null, counters: k.counters.map((c) => ({ node: c.node, count: c.count, ttl_ms: c.ttlMs, source: c.source })) })];
  }));

export const staleCounter = invariant("stale_counter", "warning", 10_000,
  "A counter key in Redis has no TTL, or a TTL longer than its window allows (every algorithm sets it in the same script that writes the " +
  "counter). Such a counter never drains: once full, its key is denied forever. Found on the heaviest keys and in a bounded SCAN sample.",
  (o) => stalenessOf(o).map((s) =>
    violation("stale_counter", "warning", `key:${s.key}`,
      `counter ${s.redisKey ?? `of ${s.key}`} ${s.ttlMs === -1 ? "has no TTL" : `has a TTL of ${s.ttlMs} ms, over its ${s.windowMs} ms window`}`,
      { redis_key: s.redisKey ?? null, ttl_ms: s.ttlMs, window_ms: s.windowMs ?? null, algorithm: s.algorithm, count: s.count ?? null, found_by: s.foundBy })));

export const hotKey = invariant("hot_key", "warning", 30_000,
  `One key takes a share of current traffic far above the rest: at least ${T.hotKeyShare * 100}% of the checks of the last ~20 s, and ` +
  `${T.hotKeyDominance}× the next key. A hot key concentrates load on one Redis slot and usually means one abusive or broken client. ` +
  "A blocked key (block_key) is contained, its client refused outright: it is not reported while the block holds.",
  (o) => {
    const [top, next] = o.traffic.top;
    if (!top || !next || o.traffic.total < T.hotKeyMinChecks) return [];
    const share = top.checks / o.traffic.total;
    if (share < T.hotKeyShare || top.checks < T.hotKeyDominance * next.checks) return [];
    const known = o.keys.find((k) => k.key === top.key);
    if (known?.blocked === true) return [];
    return [violation("hot_key", "warning", `key:${top.key}`, `key ${top.key} takes ${Math.round(share * 100)}% of checks (${top.checks} of ${o.traffic.total}, ${o.traffic.basis})`,
      { share: round(share), checks: top.checks, total: o.traffic.total, basis: o.traffic.basis, denied: known?.reported.denied ?? null, next_key: next.key, next_checks: next.checks, limit: known?.limit ?? null })];
  });

export const counterDrift = invariant("counter_drift", "warning", 10_000,
  "Nodes disagree about one key's count: typically a node cut off from Redis answers from its local share while the others read Redis, " +
  "so the limit is enforced differently depending on which node a client hits.",
  (o) => o.keys.flatMap((k) => {
    // Nodes read one Redis counter a few ms apart: one about to expire may still show the old window
    // while another already reads the new one (found by eval at grace 0). Such a reading is not compared.
    const compared = k.counters.filter((c) => !(c.source === "redis" && c.ttlMs >= 0 && c.ttlMs <= T.ttlSlackMs));
    if (compared.length < 2) return [];
    const counts = compared.map((c) => c.count);
    const spread = Math.max(...counts) - Math.min(...counts);
    const sources = new Set(compared.map((c) => c.source));
    const tolerance = T.driftTolerance(k.limit ?? 0);
    if (spread <= tolerance && !(sources.size > 1 && spread > 0)) return [];
    return [violation("counter_drift", "warning", `key:${k.key}`,
      `nodes disagree on key ${k.key}: ${k.counters.map((c) => `${c.node}=${c.count} (${c.source})`).join(", ")}`,
      { spread, tolerance, counters: k.counters.map((c) => ({ node: c.node, count: c.count, source: c.source, ttl_ms: c.ttlMs })) })];
  }));

export const nodeDraining = invariant("node_draining", "info", 10_000,
  "A node is draining: it answers its API but refuses checks (503), on purpose (drain_node) or while shutting down. " +
  "Not a fault by itself; a drain left on by mistake takes capacity away.",
  (o) => live(o).filter((n) => n.draining).map((n) =>
    violation("node_draining", "info", `node:${n.id}`, `node ${n.id} is draining (refuses checks)`, { url: n.url, mode: n.mode ?? null })));

/** Every invariant, the latency ones held to `limits` (a deployment's own latency budget). */
export function invariantsWithin(limits: LatencyLimits): Invariant<RatelimiterObservation>[] {
  return [
    nodeDown, redisUnreachable, nodeDegraded, highCheckLatencyOver(limits.checkP99Ms), redisLatencyOver(limits.redisLatencyMs), redisMemory,
    overAdmission, overThrottling, staleCounter, hotKey, counterDrift, nodeDraining,
  ];
}

export const invariants = invariantsWithin(DEFAULT_LATENCY_LIMITS);
