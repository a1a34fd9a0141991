// The built-in diagnosis rules of the rate limiter: each reads the open violations and the
// observation, and proposes a root cause with what it predicts (`explains`), so the engine can
// prefer the cause that explains what is seen and predicts nothing that is not. They separate
// faults that look alike: a dead Redis (refused) from a paused one (silent) from a slow link to
// one node (only that node slow or cut off while the operator reaches Redis fine); a dead node
// (no answer) from a drained one (answers, refuses checks); a stale counter (denied with little
// traffic, no TTL) from a hot key (denied under heavy traffic).
import { violationKey, type DiagnosisInput, type DiagnosisRule, type Hypothesis, type Violation } from "../../lib/subject/subject.ts";
import type { NodeState, RatelimiterObservation } from "./observation.ts";

type Input = DiagnosisInput<RatelimiterObservation>;

const idOf = (resource: string) => resource.replace(/^(node|key):/, "");
const of = (input: Input, invariant: string) => input.violations.filter((v) => v.invariant === invariant);
const keysOf = (input: Input, invariant: string, resource?: (r: string) => boolean) =>
  of(input, invariant).filter((v) => !resource || resource(v.resource)).map(violationKey);
const liveNodes = (o: RatelimiterObservation | undefined): NodeState[] => (o?.nodes ?? []).filter((n) => n.reachable);
/** Symptoms of nodes deciding without Redis: degraded nodes and what they cause on keys. */
const fallbackSymptoms = (input: Input) => [
  ...keysOf(input, "over_admission"), ...keysOf(input, "counter_drift"), ...keysOf(input, "high_check_latency"), ...keysOf(input, "redis_latency", (r) => r.startsWith("node:")),
];

function rule(name: string, description: string, evaluate: (input: Input) => Hypothesis[]): DiagnosisRule<RatelimiterObservation> {
  return { name, description, evaluate };
}

const redisDown = rule("redis_down_or_paused", "Redis unreachable: refused connections mean the process is gone; accepted connections with no answer mean it is paused or blocked.", (input) => {
  const [v] = of(input, "redis_unreachable");
  if (!v) return [];
  const failure = String(v.evidence.failure ?? "unknown");
  const predicted = [violationKey(v), ...liveNodes(input.observation).map((n) => `node_degraded:node:${n.id}`)];
  const explains = [...new Set([...predicted, ...keysOf(input, "node_degraded"), ...fallbackSymptoms(input)])];
  const faultClass = failure === "refused" ? "process_down" : failure === "no_reply" || failure === "writes_blocked" ? "process_paused" : "unreachable";
  const summary = {
    process_down: "Redis is down: it refuses connections, so every node decides by its fail policy",
    process_paused: failure === "writes_blocked"
      ? "Redis is paused for writes (CLIENT PAUSE, or blocked): it answers reads but no write completes, so every check waits for the timeout and then falls back"
      : "Redis is paused or blocked: it accepts connections but answers nothing, so every check waits for the timeout and then falls back",
    unreachable: "Redis cannot be reached by the nodes",
  }[faultClass];
  return [{
    component: "redis", faultClass, summary, confidence: faultClass === "unreachable" ? 0.6 : 0.9, explains,
    evidence: [v.message, ...liveNodes(input.observation).map((n) => `node ${n.id}: mode ${n.mode}, redis ${n.redisConnected ? "connected" : "disconnected"}`)],
    actions: [],
  }];
});

const redisSlow = rule("redis_slow", "Redis itself is slow when the operator's own round trip is slow, and then every node sees it too.", (input) => {
  const [v] = of(input, "redis_latency").filter((x) => x.resource === "redis");
  if (!v) return [];
  const predicted = [violationKey(v), ...liveNodes(input.observation).map((n) => `redis_latency:node:${n.id}`)];
  return [{
    component: "redis", faultClass: "latency", summary: `Redis answers slowly (${v.evidence.latency_ms} ms from the operator), so every node's checks slow down`,
    confidence: 0.8, explains: [...new Set([...predicted, ...keysOf(input, "high_check_latency")])], evidence: [v.message], actions: [],
  }];
});

const LINK_SYMPTOMS = new Set(["redis_latency", "node_degraded", "high_check_latency"]);

/**
 * Nodes that answer a key's count from their own share while other nodes read it from Redis: they
 * decide without Redis, which the drift shows before their mode (the breaker) says so.
 */
const localDeciders = (input: Input) => new Set(of(input, "counter_drift").flatMap((v) => {
  const counters = (Array.isArray(v.evidence.counters) ? v.evidence.counters : []) as { node: string; source: string }[];
  return counters.some((c) => c.source === "redis") ? counters.filter((c) => c.source !== "redis").map((c) => `node:${c.node}`) : [];
}));

/** A node whose own link to Redis is bad while Redis answers the operator (and the other nodes) fine. */
const slowLink = rule("node_redis_link", "One node slow to Redis or cut off from it while the operator reaches Redis quickly: the fault is that node's link.", (input) => {
  const o = input.observation;
  // Redis itself is fine when the operator reaches it without a latency violation of its own (whatever the deployment's threshold).
  const redisFine = o?.redis ? o.redis.reachable && !of(input, "redis_latency").some((v) => v.resource === "redis") : liveNodes(o).some((n) => n.mode === "redis" && n.redisConnected);
  if (!redisFine) return [];
  const deciding = localDeciders(input);
  const fallingBack = new Set(liveNodes(o).filter((n) => (n.recentFallbacks ?? 0) > 0).map((n) => `node:${n.id}`));
  const suspects = new Set([...[...of(input, "redis_latency"), ...of(input, "node_degraded")].filter((v) => v.resource.startsWith("node:")).map((v) => v.resource), ...deciding]);
  return [...suspects].map((resource) => {
    const node = idOf(resource);
    // A slow link makes the node's checks time out and fall back: deciding by its fail policy
    // (open) it admits keys past their limit, so their over-admission is this link's symptom.
    const degraded = of(input, "node_degraded").some((v) => v.resource === resource) || deciding.has(resource);
    // A link that still answers, late, is slow, not cut: the node falls back because Redis answers
    // past its --redis-timeout, and says so (connected while out of redis mode), or the round trips
    // it measured fire redis_latency on it. A cut link answers nothing: disconnected, no readings.
    const answersLate =
      of(input, "redis_latency").some((v) => v.resource === resource) ||
      liveNodes(o).some((n) => n.id === node && n.mode !== undefined && n.mode !== "redis" && n.redisConnected === true);
    const cutOff = degraded && !answersLate;
    // Only the link's own symptoms on that node: a drain or a crash there is another cause.
    const own = input.violations.filter((v) => v.resource === resource && LINK_SYMPTOMS.has(v.invariant)).map(violationKey);
    const keys = degraded || fallingBack.has(resource) ? [...keysOf(input, "over_admission"), ...keysOf(input, "counter_drift")] : [];
    const others = liveNodes(o).filter((n) => n.id !== node);
    return {
      component: resource,
      faultClass: cutOff ? "network_partition" : "network_latency",
      summary: cutOff
        ? `node ${node} is cut off from Redis (decides without it) while Redis and the other nodes are fine: its link is down`
        : `the link between node ${node} and Redis is slow while Redis itself answers quickly`,
      confidence: others.length > 0 && others.every((n) => n.mode === "redis") ? 0.85 : 0.6,
      explains: [...new Set([...own, ...keys])],
      evidence: [
        ...input.violations.filter((v) => v.resource === resource).map((v) => v.message),
        `Redis answers the operator in ${o?.redis?.latencyMs ?? "?"} ms`,
        ...others.map((n) => `node ${n.id}: mode ${n.mode}, redis latency ${n.redisLatencyMs ?? "?"} ms`),
      ],
      actions: [{ name: "drain_node", params: { node }, why: `take node ${node} out of rotation until its link to Redis is repaired` }],
    };
  });
});

const nodeDown = rule("node_down", "A node that does not answer: a refused connection means its process is gone, a timeout that it is paused or hung.", (input) =>
  of(input, "node_down").map((v) => {
    const node = idOf(v.resource);
    const refused = v.evidence.failure === "refused";
    const wasDraining = input.history.some((h) => h.observation.nodes.some((n) => n.id === node && n.draining));
    return {
      component: v.resource,
      faultClass: refused ? "process_down" : "process_paused",
      summary: refused ? `node ${node} is down: nothing listens on ${v.evidence.url}` : `node ${node} accepts connections but does not answer: paused or hung`,
      confidence: refused ? 0.9 : 0.8,
      explains: [violationKey(v)],
      evidence: [v.message, ...(wasDraining ? [`node ${node} was draining before it stopped answering`] : [])],
      actions: [{ name: "restart_node", params: { node }, why: `bring node ${node} back (local cluster)` }],
    };
  }));

const nodeDrained = rule("node_drained", "A node that answers its API but refuses checks is drained, not dead.", (input) =>
  of(input, "node_draining").map((v) => ({
    component: v.resource, faultClass: "drained", summary: `node ${idOf(v.resource)} is drained: it answers but refuses checks`,
    confidence: 0.9, explains: [violationKey(v)], evidence: [v.message],
    actions: [{ name: "undrain_node", params: { node: idOf(v.resource) }, why: "if the drain was not planned, let the node take checks again" }],
  })));

const staleCounter = rule("stale_counter", "A counter without a (sane) TTL never drains: its key is denied with little traffic. Resetting it fixes the key.", (input) => {
  const resources = new Set([...of(input, "stale_counter"), ...of(input, "over_throttling")].map((v) => v.resource));
  return [...resources].map((resource) => {
    const key = idOf(resource);
    const stale = of(input, "stale_counter").find((v) => v.resource === resource);
    const throttled = of(input, "over_throttling").find((v) => v.resource === resource);
    const hot = of(input, "hot_key").some((v) => v.resource === resource);
    return {
      component: resource, faultClass: "stale_counter",
      summary: stale ? `the counter of ${key} has no TTL that lets it drain${throttled ? ", so the key is denied with traffic under its limit" : ""}` : `the counter of ${key} is stuck: the key is denied with traffic under its limit`,
      confidence: stale && throttled ? 0.95 : stale ? 0.85 : hot ? 0.4 : 0.6,
      explains: [stale, throttled].filter((v): v is Violation => v !== undefined).map(violationKey),
      evidence: [stale?.message, throttled?.message].filter((m): m is string => m !== undefined),
      actions: [{ name: "reset_counter", params: { key }, why: `delete the stuck counter of ${key} so it starts a fresh window with a TTL` }],
    };
  });
});

const hotKey = rule("hot_key", "A key far above every other key is a hot key: its denials are the limiter working; the client behind it is the cause.", (input) =>
  of(input, "hot_key").map((v) => {
    const key = idOf(v.resource);
    const stale = of(input, "stale_counter").some((s) => s.resource === v.resource);
    return {
      component: v.resource, faultClass: "hot_key", summary: `key ${key} takes ${v.evidence.checks_per_s} checks/s, ${v.evidence.gap === null ? "far above" : `${Math.round(Number(v.evidence.gap))}×`} the next key: one client floods it`,
      confidence: stale ? 0.5 : 0.8, explains: [violationKey(v)], evidence: [v.message],
      actions: [{ name: "block_key", params: { key, ttl_ms: 60_000 }, why: `shed the flood on ${key} for a minute while its client is found` }],
    };
  }));

const overAdmission = rule("over_admission", "Over-admission with every node on Redis now: nodes that fell back to fail-open for a moment, the fixed-window edge burst, or counters lost in Redis.", (input) => {
  const degraded = liveNodes(input.observation).some((n) => n.mode !== "redis") || of(input, "redis_unreachable").length > 0;
  if (degraded) return [];
  const evicting = of(input, "redis_memory").some((v) => Number(v.evidence.evicted_keys ?? 0) > 0);
  // A node with symptoms of its own link falls back because of that link: node_redis_link explains it.
  const linkSuspects = new Set(input.violations.filter((v) => v.resource.startsWith("node:") && LINK_SYMPTOMS.has(v.invariant)).map((v) => v.resource));
  const fellBack = liveNodes(input.observation).filter((n) => (n.recentFallbacks ?? 0) > 0);
  if (fellBack.some((n) => linkSuspects.has(`node:${n.id}`))) return [];
  return of(input, "over_admission").map((v): Hypothesis => {
    const key = idOf(v.resource);
    if (fellBack.length > 0 && !evicting) {
      const one = fellBack.length === 1 ? fellBack[0]! : undefined;
      return {
        component: one ? `node:${one.id}` : "redis",
        faultClass: "fail_open_fallback",
        summary: `${fellBack.map((n) => `node ${n.id} decided ${n.recentFallbacks} checks`).join(", ")} without Redis in the last minute (Redis too slow for the check timeout), admitting ${key} past its limit`,
        confidence: 0.75,
        explains: [violationKey(v)],
        evidence: [v.message, ...fellBack.map((n) => `node ${n.id}: ${n.recentFallbacks} fallback decisions in the last minute, fail policy ${n.failPolicy ?? "?"}`)],
        actions: [],
      };
    }
    const fixedWindow = v.evidence.algorithm === "fixed-window";
    return {
      component: evicting ? "redis" : v.resource,
      faultClass: evicting ? "memory_pressure" : fixedWindow ? "algorithm_burst" : "counter_lost",
      summary: evicting
        ? "Redis evicts keys under memory pressure: counters vanish and keys are admitted again"
        : fixedWindow ? `key ${key} got a full limit at the end of one fixed window and another at the start of the next` : `the counter of ${key} was lost or reset mid-window`,
      confidence: evicting ? 0.8 : fixedWindow ? 0.75 : 0.5,
      explains: [violationKey(v)],
      evidence: [v.message],
      actions: fixedWindow && !evicting
        ? [{ name: "update_limit", params: { key, limit: Number(v.evidence.limit), window_ms: Number(v.evidence.window_ms), algorithm: "sliding-log" }, why: "a sliding log admits at most the limit in any window" }]
        : [],
    };
  });
});

const redisMemory = rule("redis_memory", "Redis near maxmemory, evicting or refusing writes.", (input) =>
  of(input, "redis_memory").map((v) => ({
    component: "redis", faultClass: "memory_pressure", summary: `Redis is short of memory (${v.evidence.used_ratio} of maxmemory, policy ${v.evidence.policy})`,
    confidence: 0.85, explains: [violationKey(v), ...keysOf(input, "over_admission")], evidence: [v.message], actions: [],
  })));

/** The closed list of fault classes these rules name (an incident's root cause takes one of them). */
export const FAULT_CLASSES = [
  "process_down", "process_paused", "unreachable", "latency", "network_partition", "network_latency", "drained",
  "stale_counter", "hot_key", "fail_open_fallback", "memory_pressure", "algorithm_burst", "counter_lost",
] as const;

export const rules: DiagnosisRule<RatelimiterObservation>[] = [redisDown, redisSlow, slowLink, nodeDown, nodeDrained, staleCounter, hotKey, overAdmission, redisMemory];
