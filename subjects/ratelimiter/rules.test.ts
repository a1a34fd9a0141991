// The built-in rules on look-alike faults: the observation goes through the real invariants, the
// rules see those violations, and the strongest hypothesis that explains the ticket must name the
// right component and fault class.
import { describe, expect, test } from "bun:test";
import { diagnoseWithRules } from "../../lib/diagnosis/builtin-engine.ts";
import { violationKey, type Hypothesis } from "../../lib/subject/subject.ts";
import { invariants } from "./invariants.ts";
import type { NodeState, RatelimiterObservation } from "./observation.ts";
import { rules } from "./rules.ts";
import { ratelimiterActions } from "./actions.ts";

const span = (allowed: number, denied = 0) => ({ checks: allowed + denied, allowed, denied, coveredMs: 60_000 });
const node = (id: string, extra: Partial<NodeState> = {}): NodeState => ({
  id, url: `http://127.0.0.1:808${id}`, origin: "configured", reachable: true, mode: "redis", draining: false, redisConnected: true,
  redisLatencyMs: 0.5, windowMs: 60_000, checkP99Ms: 1, checkSamples: 100, ...extra,
});

function observation(change: (o: RatelimiterObservation) => void): RatelimiterObservation {
  const o: RatelimiterObservation = {
    at: 0, nodes: [node("a"), node("b"), node("c")],
    redis: { url: "redis://127.0.0.1:7000", reachable: true, latencyMs: 0.4, memory: { usedBytes: 1, maxBytes: 0, policy: "noeviction", evictedKeysDelta: 0, oomRejectionsDelta: 0 }, counters: [], scanned: 0, blockedKeys: [], registered: [] },
    keys: ["k1", "k2", "k3"].map((key) => ({
      key, limit: 100, windowMs: 60_000, algorithm: "sliding-log", reported: { checks: 20, allowed: 20, denied: 0 }, lastWindow: span(20), recent: span(2), blocked: false,
      counters: ["a", "b", "c"].map((n) => ({ key, node: n, count: 20, limit: 100, windowMs: 60_000, ttlMs: 50_000, algorithm: "sliding-log", source: "redis" })),
    })),
    reportedChecks: 60, traffic: { basis: "recent", spanMs: 20_000, total: 60, top: [{ key: "k1", checks: 20 }, { key: "k2", checks: 20 }, { key: "k3", checks: 20 }] }, problems: [],
  };
  change(o);
  return o;
}

/** The hypothesis a simple weighing picks for `ticket`: explains it, then highest confidence. */
function diagnose(o: RatelimiterObservation, ticket: string): Hypothesis {
  const violations = invariants.flatMap((i) => i.check(o, 0));
  expect(violations.map(violationKey)).toContain(ticket);
  const hypotheses = rules.flatMap((r) => r.evaluate({ violations, observation: o, history: [], now: 0 }));
  const candidates = hypotheses.filter((h) => h.explains.includes(ticket)).sort((a, b) => b.confidence - a.confidence);
  expect(candidates.length).toBeGreaterThan(0);
  return candidates[0]!;
}

const named = (h: Hypothesis) => ({ component: h.component, faultClass: h.faultClass, actions: h.actions.map((a) => [a.name, a.params]) });
const allDegraded = (o: RatelimiterObservation) => o.nodes.forEach((n) => Object.assign(n, { mode: "fail-open", redisConnected: false }));

describe("ratelimiter diagnosis rules", () => {
  test("a dead Redis (refused) and a paused Redis (silent) are told apart", () => {
    const dead = observation((o) => { o.redis = { ...o.redis!, reachable: false, failure: { kind: "refused", message: "refused" } }; allDegraded(o); });
    const paused = observation((o) => { o.redis = { ...o.redis!, reachable: false, failure: { kind: "no_reply", message: "silent" } }; allDegraded(o); });
    expect(named(diagnose(dead, "redis_unreachable:redis"))).toEqual({ component: "redis", faultClass: "process_down", actions: [] });
    expect(named(diagnose(paused, "redis_unreachable:redis"))).toEqual({ component: "redis", faultClass: "process_paused", actions: [] });
    expect(diagnose(dead, "node_degraded:node:b").component).toBe("redis");
  });

  test("a slow link on a node that falls back by its fail policy explains the keys it over-admitted: one cause, not one per key", () => {
    const slowFailOpen = observation((o) => {
      Object.assign(o.nodes[0]!, { redisLatencyMs: 80, redisLatencySamples: 5, checkP99Ms: 90, recentFallbacks: 300, failPolicy: "open" });
      for (const k of o.keys) k.lastWindow = span(190);
    });
    const claims = rules.flatMap((r) => r.evaluate({ violations: invariants.flatMap((i) => i.check(slowFailOpen, 0)), observation: slowFailOpen, history: [], now: 0 }));
    const byKey = (key: string) => claims.filter((h) => h.explains.includes(key)).map((h) => `${h.component} ${h.faultClass}`);
    expect(["over_admission:key:k1", "over_admission:key:k2", "over_admission:key:k3", "redis_latency:node:a"].map(byKey)).toEqual(Array(4).fill(["node:a network_latency"]));
    // The same fallbacks with no symptom of the node's own link are a moment's fallback, per key.
    const blip = observation((o) => { Object.assign(o.nodes[0]!, { recentFallbacks: 300, failPolicy: "open" }); o.keys[0]!.lastWindow = span(190); });
    expect(named(diagnose(blip, "over_admission:key:k1"))).toEqual({ component: "node:a", faultClass: "fail_open_fallback", actions: [] });
  });

  test("a slow link to one node is that node, not Redis; a slow Redis is Redis", () => {
    const link = observation((o) => Object.assign(o.nodes[1]!, { redisLatencyMs: 80, redisLatencySamples: 5, checkP99Ms: 90 }));
    expect(named(diagnose(link, "redis_latency:node:b"))).toEqual({ component: "node:b", faultClass: "network_latency", actions: [["drain_node", { node: "b" }]] });
    expect(diagnose(link, "high_check_latency:node:b").component).toBe("node:b");
    const slow = observation((o) => { Object.assign(o.redis!, { latencyMs: 60, latencySamples: 5 }); o.nodes.forEach((n) => Object.assign(n, { redisLatencyMs: 61, redisLatencySamples: 5 })); });
    expect(named(diagnose(slow, "redis_latency:node:a"))).toEqual({ component: "redis", faultClass: "latency", actions: [] });
  });

  test("a node cut off from Redis while Redis is fine: a partition of that node, which also explains the drift", () => {
    const cut = observation((o) => {
      Object.assign(o.nodes[2]!, { mode: "local", redisConnected: false });
      Object.assign(o.keys[0]!.counters[2]!, { count: 4, source: "local" });
    });
    expect(named(diagnose(cut, "node_degraded:node:c"))).toEqual({ component: "node:c", faultClass: "network_partition", actions: [["drain_node", { node: "c" }]] });
    expect(diagnose(cut, "counter_drift:key:k1").component).toBe("node:c");
    // A link slower than the node's --redis-timeout also makes it fall back, but Redis still answers
    // it (late, with a measured round trip): that link is slow, not cut.
    const late = observation((o) => Object.assign(o.nodes[2]!, { mode: "fail-open", failPolicy: "open", redisConnected: true, redisLatencyMs: 81, redisLatencySamples: 5 }));
    expect(named(diagnose(late, "node_degraded:node:c"))).toEqual({ component: "node:c", faultClass: "network_latency", actions: [["drain_node", { node: "c" }]] });
    // ...from the first look, before enough readings for redis_latency: the node says it is connected.
    const first = observation((o) => Object.assign(o.nodes[2]!, { mode: "fail-open", failPolicy: "open", redisConnected: true, redisLatencyMs: undefined, redisLatencySamples: 1 }));
    expect(named(diagnose(first, "node_degraded:node:c"))).toEqual({ component: "node:c", faultClass: "network_latency", actions: [["drain_node", { node: "c" }]] });
  });

  test("a node answering from its local share while the others read Redis is cut off, before its own mode says so", () => {
    // Found by eval at grace 0: the drift ticket opens a cycle before node_degraded does.
    const early = observation((o) => Object.assign(o.keys[0]!.counters[2]!, { count: 4, source: "local" }));
    expect(named(diagnose(early, "counter_drift:key:k1"))).toEqual({ component: "node:c", faultClass: "network_partition", actions: [["drain_node", { node: "c" }]] });
  });

  test("a dead node and a drained node are told apart", () => {
    const dead = observation((o) => (o.nodes[0] = { id: "a", url: "http://127.0.0.1:808a", origin: "configured", reachable: false, failure: { kind: "refused", message: "refused" } }));
    const hung = observation((o) => (o.nodes[0] = { id: "a", url: "http://127.0.0.1:808a", origin: "configured", reachable: false, failure: { kind: "timeout", message: "no answer" } }));
    const drained = observation((o) => (o.nodes[0]!.draining = true));
    expect(named(diagnose(dead, "node_down:node:a"))).toEqual({ component: "node:a", faultClass: "process_down", actions: [["restart_node", { node: "a" }]] });
    expect(named(diagnose(hung, "node_down:node:a")).faultClass).toBe("process_paused");
    expect(named(diagnose(drained, "node_draining:node:a"))).toEqual({ component: "node:a", faultClass: "drained", actions: [["undrain_node", { node: "a" }]] });
  });

  test("a stale counter and a hot key are told apart", () => {
    const stale = observation((o) => {
      Object.assign(o.keys[1]!, { reported: { checks: 12, allowed: 0, denied: 12 }, recent: span(0, 3) });
      o.keys[1]!.counters.forEach((c) => Object.assign(c, { count: 100, ttlMs: -1 }));
    });
    expect(named(diagnose(stale, "over_throttling:key:k2"))).toEqual({ component: "key:k2", faultClass: "stale_counter", actions: [["reset_counter", { key: "k2" }]] });
    expect(diagnose(stale, "stale_counter:key:k2").confidence).toBe(0.95);
    const hot = observation((o) => {
      Object.assign(o.keys[0]!, { reported: { checks: 2_000, allowed: 100, denied: 1_900 } });
      o.traffic = { basis: "recent", spanMs: 20_000, total: 2_040, top: [{ key: "k1", checks: 2_000 }, { key: "k2", checks: 20 }, { key: "k3", checks: 20 }] };
    });
    expect(named(diagnose(hot, "hot_key:key:k1"))).toEqual({ component: "key:k1", faultClass: "hot_key", actions: [["block_key", { key: "k1", ttl_ms: 60_000 }]] });
  });

  test("over-admission on a fixed window with every node on Redis is the edge burst; the fix is a sliding log", () => {
    const burst = observation((o) => Object.assign(o.keys[0]!, { algorithm: "fixed-window", lastWindow: span(190) }));
    expect(named(diagnose(burst, "over_admission:key:k1"))).toEqual({
      component: "key:k1", faultClass: "algorithm_burst", actions: [["update_limit", { key: "k1", limit: 100, window_ms: 60_000, algorithm: "sliding-log" }]],
    });
    const failOpen = observation((o) => { Object.assign(o.keys[0]!, { lastWindow: span(400) }); Object.assign(o.nodes[0]!, { mode: "fail-open", redisConnected: false }); });
    expect(diagnose(failOpen, "over_admission:key:k1").component).toBe("node:a");
    const fellBack = observation((o) => { Object.assign(o.keys[0]!, { lastWindow: span(190) }); o.nodes[1]!.recentFallbacks = 42; });
    expect(named(diagnose(fellBack, "over_admission:key:k1"))).toEqual({ component: "node:b", faultClass: "fail_open_fallback", actions: [] });
  });
});

describe("the built-in engine with these rules", () => {
  /** The engine's answer for `ticket`, weighing every rule's hypothesis over every open violation. */
  const engine = (o: RatelimiterObservation, ticket: string) => {
    const violations = invariants.flatMap((i) => i.check(o, 0));
    const [invariant, ...rest] = ticket.split(":");
    const subject = { name: "ratelimiter", invariants, diagnosisRules: rules, actions: () => ratelimiterActions, execute: async () => ({ ok: true, message: "", retryable: false }) };
    const d = diagnoseWithRules({ ticket: { id: 1, invariant: invariant!, resource: rest.join(":"), severity: "info" }, subject, violations, observation: o, history: [], now: 0 }, 0, () => 0);
    return { component: d.rootCause.component, faultClass: d.faultClass };
  };

  test("a drained node whose link also blips slow is diagnosed drained: the link's rule claims only link symptoms", () => {
    const o = observation((x) => Object.assign(x.nodes[1]!, { draining: true, redisLatencyMs: 16 }));
    expect(engine(o, "node_draining:node:b")).toEqual({ component: "node:b", faultClass: "drained" });
    expect(engine(o, "redis_latency:node:b")).toEqual({ component: "node:b", faultClass: "network_latency" });
  });
});
