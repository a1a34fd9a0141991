// The rate limiter's invariants: each a pure check of one observation, with its severity, grace
// and a description a person and an LLM can read. Resources: `node:<id>`, `redis`, `key:<key>`.
import type { Invariant, Severity, Violation } from "../../lib/subject/subject.ts";
import type { RatelimiterObservation } from "./observation.ts";
import { hotKeysAmong } from "./hot-key-gap.ts";
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
  "times out (paused, hung or cut off), or the answer is not the API. Clients routed to it fail; the other nodes carry its traffic. " +
  "No threshold: a node either answers its API within the observer's --http-timeout (1 s) or not; the 6 s grace (three 2 s cycles) keeps a restart from paging.",
  (o) => o.nodes.filter((n) => !n.reachable).map((n) =>
    violation("node_down", "critical", `node:${n.id}`, `node ${n.id} (${n.url}) does not answer: ${n.failure?.message ?? "no answer"}`,
      { url: n.url, origin: n.origin, failure: n.failure?.kind ?? "unknown", error: n.failure?.message ?? null })));

export const redisUnreachable = invariant("redis_unreachable", "critical", 6_000,
  "Redis, the shared state of every node, cannot be reached: it refuses connections (down), accepts them but never answers (paused or blocked), " +
  "drops them, or answers reads while its writes never complete (paused for writes). Nodes then decide by their fail policy (fail-open admits " +
  "everything, fail-closed denies everything, local enforces a share). No threshold: the operator's own client is refused, times out " +
  "or sees no reply to a write; judged on the operator's client first, so one node's bad link is not blamed on Redis.",
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
  "or local (enforces only its own share of each limit). Its link to Redis is down or too slow even if Redis itself is fine. " +
  "Read from the node's own mode, which is already a verdict over several calls: the node leaves Redis only after 3 failed or " +
  "timed-out calls in a row (its circuit breaker), so one slow call never flips it.",
  (o) => live(o).filter((n) => (n.mode !== undefined && n.mode !== "redis") || n.redisConnected === false).map((n) =>
    violation("node_degraded", n.mode === "fail-open" ? "critical" : "warning", `node:${n.id}`,
      `node ${n.id} decides without Redis (mode ${n.mode ?? "unknown"}, redis ${n.redisConnected ? "connected, answering past the node's timeout" : "disconnected"})`,
      { mode: n.mode ?? null, fail_policy: n.failPolicy ?? null, redis_connected: n.redisConnected ?? null, redis_latency_ms: n.redisLatencyMs ?? null })));

/** The latency limits a deployment may set for itself (`--check-p99-threshold`, `--redis-latency-threshold`), ms. */
export interface LatencyLimits {
  checkP99Ms: number;
  redisLatencyMs: number;
}

export const DEFAULT_LATENCY_LIMITS: LatencyLimits = { checkP99Ms: T.checkP99Ms, redisLatencyMs: T.redisLatencyMs };

export const highCheckLatencyOver = (limitMs: number) => invariant("high_check_latency", "warning", 30_000,
  `A node's checks are slow: the p99 of ratelimiter_check_duration_seconds is above ${limitMs} ms in all but one of its last 5 spans ` +
  "(a span runs from one scrape of the node's histogram to the next, every ~5 s; at least 3 spans and 100 checks in the last ~30 s). Usually its Redis " +
  "round trip is slow (a slow link or a slow Redis), or the node is overloaded. Why that figure: a check is one Redis round trip (under 1 ms " +
  "on a LAN) plus the node's work, and the node gives up on Redis at --redis-timeout (50 ms by default); a p99 past 10 ms means clients feel " +
  "it while checks still reach Redis. Why span by span: a slow link or an overloaded node is slow in every span, while one stall of a busy " +
  "machine (a GC pause, a scheduling hiccup that delays every check in flight) lands in one span or two; a p99 over the whole 30 s would " +
  "carry that one stall for 30 s. A node with too few checks is not judged, and a slow link still shows as redis_latency. Never from the " +
  "histogram's lifetime totals (a first look is a baseline).",
  (o) => live(o).filter((n) => n.checkP99Ms !== undefined && n.checkP99Ms > limitMs).map((n) =>
    violation("high_check_latency", "warning", `node:${n.id}`, `node ${n.id}'s checks are slow: p99 ${n.checkP99Ms} ms or more in all but one of its last ${n.checkSpans ?? "few"} spans (over ${limitMs} ms)`,
      { p99_ms: n.checkP99Ms, spans: n.checkSpans ?? null, samples: n.checkSamples ?? null, redis_latency_ms: n.redisLatencyMs ?? null })));

export const redisLatencyOver = (limitMs: number) => invariant("redis_latency", "warning", 20_000,
  `Redis answers slowly: all but one of the operator's last PINGs took over ${limitMs} ms (resource redis: Redis itself is slow), or all ` +
  "but one of one node's last reports of its own latency to Redis did (resource node:<id>: the link between that node and Redis is slow " +
  `while Redis is fine; a node whose probes time out reports no latency, the slowest reading). Judged on at least ${T.latencyMinSamples} readings ` +
  "(the last 5 within 10 s), never on one: a slow link is slow on every round trip, while a busy machine's scheduling delays and a first " +
  "connection spike some readings (up to two in five on fresh nodes of a loaded 2-core machine), never all but one. Why that figure: a healthy round trip is well under 1 ms, and the " +
  "node gives up on Redis at --redis-timeout (50 ms by default); a typical round trip over 10 ms is a slow path that every check pays.",
  (o) => {
    const found: Violation[] = [];
    const operatorMs = o.redis?.reachable && (o.redis.latencySamples ?? 0) >= T.latencyMinSamples ? o.redis.latencyMs : undefined;
    if (operatorMs !== undefined && operatorMs > limitMs) {
      found.push(violation("redis_latency", "warning", "redis", `Redis answers the operator in ${operatorMs} ms (all but one of ${o.redis!.latencySamples} PINGs; over ${limitMs} ms)`,
        { latency_ms: operatorMs, samples: o.redis!.latencySamples ?? null, seen_by: "operator" }));
    }
    for (const n of live(o)) {
      if (!n.redisConnected || (n.redisLatencySamples ?? 0) < T.latencyMinSamples) continue;
      const timingOut = n.redisProbesTimingOut === true;
      if (!timingOut && (n.redisLatencyMs === undefined || n.redisLatencyMs <= limitMs)) continue;
      const how = timingOut ? "gets no answer from Redis within its timeout" : `reaches Redis in ${round(n.redisLatencyMs!)} ms`;
      found.push(violation("redis_latency", "warning", `node:${n.id}`, `node ${n.id} ${how} (all but one of ${n.redisLatencySamples} reports; over ${limitMs} ms)`,
        { node_latency_ms: n.redisLatencyMs ?? null, probes_timing_out: timingOut, samples: n.redisLatencySamples ?? null, operator_latency_ms: o.redis?.reachable ? o.redis.latencyMs ?? null : null }));
    }
    return found;
  });

export const highCheckLatency = highCheckLatencyOver(T.checkP99Ms);
export const redisLatency = redisLatencyOver(T.redisLatencyMs);

export const redisMemory = invariant("redis_memory", "warning", 10_000,
  `Redis is near maxmemory (at least ${T.memoryRatio * 100}% used), evicts keys (counters vanish: limits silently reset) or refuses writes ` +
  "with OOM (checks fail and nodes fall back to their fail policy). Why 90%: at 100% Redis evicts or refuses, and the last 10% is the " +
  "time left to raise maxmemory or shed keys; an eviction or an OOM refusal is critical at once, whatever the ratio.",
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
  "edge burst (a full limit at the end of one window and another at the start of the next). The threshold is the algorithm's own promise, " +
  "not a margin: fixed window and sliding log promise the limit over any window (admitted > limit breaks it); GCRA and the weighted " +
  "sliding window may admit up to twice the limit in one window by design (more breaks it). Counts are lower bounds, so no healthy key fires " +
  "at any traffic level; no grace, since admissions already past cannot be taken back.",
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
  "known yet, are no more than the limit), nearly every recent check of it is refused, and it is not blocked: its counter is stuck (no TTL, or a count that does not drain), so clients are refused for nothing. " +
  `Why those figures: a key whose traffic honestly brushes its limit is mostly admitted, a stuck one refused nearly always, so it takes ${T.stuckDeniedShare * 100}% ` +
  `of recent checks denied and ${T.stuckReportedDeniedShare * 100}% over the nodes' whole reports; the share, not a count, so it holds at any traffic level.`,
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
  "counter). Such a counter never drains: once full, its key is denied forever. Found on the heaviest keys and in a bounded SCAN sample. " +
  `The bound is the algorithm's own TTL for the key's window, plus ${T.ttlSlackMs / 1000} s for the clock between reading and PTTL.`,
  (o) => stalenessOf(o).map((s) =>
    violation("stale_counter", "warning", `key:${s.key}`,
      `counter ${s.redisKey ?? `of ${s.key}`} ${s.ttlMs === -1 ? "has no TTL" : `has a TTL of ${s.ttlMs} ms, over its ${s.windowMs} ms window`}`,
      { redis_key: s.redisKey ?? null, ttl_ms: s.ttlMs, window_ms: s.windowMs ?? null, algorithm: s.algorithm, count: s.count ?? null, found_by: s.foundBy })));

export const hotKey = invariant("hot_key", "warning", 30_000,
  `A few keys (at most ${T.hotKeyMaxKeys}) are hot relative to the other keys: over the last ~20 s each takes at least ${T.hotKeyMinRatePerS} checks/s and ` +
  `${T.hotKeyGap}× the checks of the next key. Not a share of all traffic: one tenant hammering a key among 10,000 quiet ones takes a small ` +
  `share yet stands far above every other key. Why ${T.hotKeyGap}×: popularity has shape, not cliffs (zipf s = 1.1 steps at most ~2× between ` +
  `neighbours, uniform load by noise); a 10× step is one client sending far more than anyone else, at any traffic level and key count. Why ` +
  `${T.hotKeyMinRatePerS} checks/s: below it a key gets no more than one ordinary client sends, and too few checks to tell a step from noise. Per-key ` +
  "rates come from each node's hot-keys sketch (its top 20; a heavy key is never missed, light keys beyond every top 20 are seen only in the " +
  "total), differenced over two reports or more: no verdict on a first look. A hot key concentrates load on one Redis slot and usually " +
  "means one abusive or broken client. A blocked key (block_key) is contained, its client refused outright: it is not reported while the block holds.",
  (o) => {
    const { top, total, spanMs, basis } = o.traffic;
    if (basis !== "recent") return [];
    const listed = top.reduce((sum, k) => sum + k.checks, 0);
    const found = hotKeysAmong(top, Math.max(0, total - listed), spanMs);
    if (!found) return [];
    const perSecond = (checks: number) => round((checks * 1_000) / spanMs);
    return found.hot.flatMap((hot) => {
      const known = o.keys.find((k) => k.key === hot.key);
      if (known?.blocked === true) return [];
      const share = total > 0 ? hot.checks / total : 0;
      const next = found.next.key ?? "the other keys";
      return [violation("hot_key", "warning", `key:${hot.key}`,
        `key ${hot.key} takes ${perSecond(hot.checks)} checks/s, ${found.gap === null ? "while the next key takes none" : `${Math.round(found.gap)}× ${next}`} (${Math.round(share * 100)}% of all checks)`,
        { checks_per_s: perSecond(hot.checks), share: round(share), checks: hot.checks, total, span_ms: spanMs, basis, gap: found.gap === null ? null : round(found.gap),
          hot_keys: found.hot.map((h) => h.key), next_key: found.next.key, next_checks: found.next.checks, denied: known?.reported.denied ?? null, limit: known?.limit ?? null })];
    });
  });

export const counterDrift = invariant("counter_drift", "warning", 10_000,
  "Nodes disagree about one key's count: typically a node cut off from Redis answers from its local share while the others read Redis, " +
  "so the limit is enforced differently depending on which node a client hits. Nodes reading one Redis counter a few ms apart may differ " +
  "by the checks in between: tolerated up to 10% of the limit (at least 2), since a counter never exceeds its limit; any difference " +
  "between a node counting locally and one reading Redis is drift.",
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
  "Not a fault by itself; a drain left on by mistake takes capacity away. No threshold: the node says it drains.",
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
