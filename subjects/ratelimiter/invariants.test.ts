// Each invariant on synthetic observations: silent on a healthy cluster, firing on its own fault.
import { describe, expect, test } from "bun:test";
import { violationKey } from "../../lib/subject/subject.ts";
import { invariants, invariantsWithin } from "./invariants.ts";
import type { KeyTraffic, NodeState, RatelimiterObservation } from "./observation.ts";

const span = (allowed: number, denied = 0) => ({ checks: allowed + denied, allowed, denied, coveredMs: 60_000 });

function node(id: string, extra: Partial<NodeState> = {}): NodeState {
  return {
    id, url: `http://127.0.0.1:80${id.charCodeAt(0) - 90}`, origin: "configured", reachable: true, mode: "redis", draining: false,
    redisConnected: true, redisLatencyMs: 0.4, redisLatencySamples: 5, failPolicy: "open", algorithm: "sliding-log", defaultLimit: 100, windowMs: 60_000,
    uptimeMs: 5_000, checkP99Ms: 1.2, checkSamples: 300, ...extra,
  };
}

function key(name: string, checks: number, extra: Partial<KeyTraffic> = {}): KeyTraffic {
  return {
    key: name, limit: 100, windowMs: 60_000, algorithm: "sliding-log",
    reported: { checks, allowed: checks, denied: 0 }, lastWindow: span(Math.min(checks, 100)), recent: span(3), blocked: false,
    counters: ["a", "b", "c"].map((n) => ({ key: name, node: n, count: Math.min(checks, 100), limit: 100, windowMs: 60_000, ttlMs: 40_000, algorithm: "sliding-log", source: "redis" })),
    ...extra,
  };
}

function healthy(): RatelimiterObservation {
  return {
    at: 1_000_000,
    nodes: [node("a"), node("b"), node("c")],
    redis: {
      url: "redis://127.0.0.1:7000", reachable: true, latencyMs: 0.3, latencySamples: 5,
      memory: { usedBytes: 2_000_000, maxBytes: 100_000_000, policy: "noeviction", evictedKeysDelta: 0, oomRejectionsDelta: 0 },
      keyCount: 40, counters: [{ redisKey: "ratelimit:{user:1}:sl", key: "user:1", algorithm: "sliding-log", ttlMs: 30_000 }],
      scanned: 1_000, blockedKeys: [], registered: [],
    },
    keys: [key("user:1", 40), key("user:2", 35), key("user:3", 30)],
    reportedChecks: 105,
    traffic: { basis: "recent", spanMs: 20_000, total: 105, top: [{ key: "user:1", checks: 40 }, { key: "user:2", checks: 35 }, { key: "user:3", checks: 30 }] },
    problems: [],
  };
}

const check = (o: RatelimiterObservation) => invariants.flatMap((i) => i.check(o, o.at));
const keysOf = (o: RatelimiterObservation) => check(o).map(violationKey).sort();

function mutate(change: (o: RatelimiterObservation) => void): RatelimiterObservation {
  const o = healthy();
  change(o);
  return o;
}

describe("ratelimiter invariants", () => {
  test("a healthy cluster violates nothing", () => {
    expect(check(healthy())).toEqual([]);
  });

  test("every invariant has a severity, a grace and a description", () => {
    expect(invariants.map((i) => i.name)).toEqual([
      "node_down", "redis_unreachable", "node_degraded", "high_check_latency", "redis_latency", "redis_memory",
      "over_admission", "over_throttling", "stale_counter", "hot_key", "counter_drift", "node_draining",
    ]);
    for (const i of invariants) {
      expect(i.description.length).toBeGreaterThan(80);
      expect(i.graceMs).toBeGreaterThanOrEqual(0);
    }
  });

  test("node_down: a node that refuses the connection, named by its id", () => {
    const o = mutate((o) => (o.nodes[1] = { id: "b", url: "http://127.0.0.1:8082", origin: "configured", reachable: false, failure: { kind: "refused", message: "refused the connection (nothing listens)" } }));
    expect(check(o)).toEqual([{
      invariant: "node_down", resource: "node:b", severity: "critical",
      message: "node b (http://127.0.0.1:8082) does not answer: refused the connection (nothing listens)",
      evidence: { url: "http://127.0.0.1:8082", origin: "configured", failure: "refused", error: "refused the connection (nothing listens)" },
    }]);
  });

  test("redis_unreachable: from the operator's client, and from the nodes when the operator has no Redis URL", () => {
    const paused = mutate((o) => {
      o.redis = { ...o.redis!, reachable: false, failure: { kind: "no_reply", message: "accepted no command within 1000 ms (paused, blocked or overloaded)" } };
      o.nodes.forEach((n) => Object.assign(n, { mode: "fail-open", redisConnected: false }));
    });
    expect(keysOf(paused)).toEqual(["node_degraded:node:a", "node_degraded:node:b", "node_degraded:node:c", "redis_unreachable:redis"]);
    expect(check(paused).find((v) => v.invariant === "redis_unreachable")!.evidence.failure).toBe("no_reply");
    const writesPaused = mutate((o) => (o.redis!.writes = { ok: false, kind: "no_reply", message: "answers reads but a write did not complete within 1000 ms (paused for writes, or blocked)" }));
    expect(check(writesPaused)).toMatchObject([{ invariant: "redis_unreachable", resource: "redis", evidence: { failure: "writes_blocked" } }]);
    const seenByNodes = mutate((o) => {
      delete o.redis;
      o.nodes.forEach((n) => Object.assign(n, { mode: "fail-closed", redisConnected: false }));
    });
    expect(keysOf(seenByNodes)).toContain("redis_unreachable:redis");
  });

  test("node_degraded: one node deciding locally; fail-open is critical", () => {
    const o = mutate((o) => Object.assign(o.nodes[2]!, { mode: "fail-open", redisConnected: false }));
    expect(check(o).map((v) => [violationKey(v), v.severity])).toEqual([["node_degraded:node:c", "critical"]]);
  });

  test("high_check_latency: p99 over 10 ms on one node", () => {
    expect(keysOf(mutate((o) => (o.nodes[0]!.checkP99Ms = 24.5)))).toEqual(["high_check_latency:node:a"]);
    expect(keysOf(mutate((o) => (o.nodes[0]!.checkP99Ms = 10)))).toEqual([]);
  });

  test("redis_latency: Redis slow for the operator is `redis`; one slow link is that node", () => {
    expect(keysOf(mutate((o) => (o.redis!.latencyMs = 35)))).toEqual(["redis_latency:redis"]);
    expect(keysOf(mutate((o) => (o.nodes[1]!.redisLatencyMs = 60)))).toEqual(["redis_latency:node:b"]);
  });

  test("redis_latency: no verdict on fewer than 3 readings (a first look right after start sees one)", () => {
    expect(keysOf(mutate((o) => { o.redis!.latencyMs = 35; o.redis!.latencySamples = 2; }))).toEqual([]);
    expect(keysOf(mutate((o) => Object.assign(o.nodes[1]!, { redisLatencyMs: 15, redisLatencySamples: 1 })))).toEqual([]);
    expect(keysOf(mutate((o) => Object.assign(o.nodes[1]!, { redisLatencyMs: 15, redisLatencySamples: 3 })))).toEqual(["redis_latency:node:b"]);
  });

  test("redis_latency: a link slower than the node's own timeout leaves its probes unanswered: the slowest reading, not none", () => {
    const timingOut = mutate((o) => { Object.assign(o.nodes[1]!, { redisProbesTimingOut: true, redisLatencySamples: 4 }); delete o.nodes[1]!.redisLatencyMs; });
    expect(check(timingOut)).toMatchObject([{ invariant: "redis_latency", resource: "node:b", message: "node b gets no answer from Redis within its timeout (all but one of 4 reports; over 10 ms)" }]);
  });

  test("a deployment's own latency limits: the same figures under a 50 ms budget violate nothing, and the message names the limit", () => {
    const slow = mutate((o) => { o.nodes[0]!.checkP99Ms = 24.5; o.redis!.latencyMs = 35; o.nodes[1]!.redisLatencyMs = 60; });
    const within = invariantsWithin({ checkP99Ms: 50, redisLatencyMs: 50 });
    expect(within.flatMap((i) => i.check(slow, slow.at)).map((v) => [violationKey(v), v.message])).toEqual([
      ["redis_latency:node:b", "node b reaches Redis in 60 ms (all but one of 5 reports; over 50 ms)"],
    ]);
    expect(within.map((i) => i.name)).toEqual(invariants.map((i) => i.name));
  });

  test("redis_memory: near maxmemory, evicting, refusing writes", () => {
    const near = mutate((o) => (o.redis!.memory!.usedBytes = 95_000_000));
    expect(check(near).map((v) => [violationKey(v), v.severity])).toEqual([["redis_memory:redis", "warning"]]);
    const refusing = mutate((o) => (o.redis!.memory!.oomRejectionsDelta = 12));
    expect(check(refusing).map((v) => [v.severity, v.message])).toEqual([["critical", "Redis refuses writes (OOM; 12 OOM errors since the last cycle): 2% of maxmemory used"]]);
    expect(keysOf(mutate((o) => (o.redis!.memory!.evictedKeysDelta = 3)))).toEqual(["redis_memory:redis"]);
    expect(keysOf(mutate((o) => Object.assign(o.redis!.memory!, { maxBytes: 0, usedBytes: 9e9 })))).toEqual([]);
  });

  test("over_admission: more than the limit in a window; a fixed-window edge burst of 2× counts, GCRA's burst plus refill does not", () => {
    const burst = mutate((o) => Object.assign(o.keys[0]!, { algorithm: "fixed-window", lastWindow: span(199) }));
    expect(check(burst)).toMatchObject([{ invariant: "over_admission", resource: "key:user:1", severity: "critical", message: "key user:1 was admitted 199 times in 60000 ms (limit 100, fixed-window)" }]);
    expect(keysOf(mutate((o) => Object.assign(o.keys[0]!, { lastWindow: span(100) })))).toEqual([]);
    expect(keysOf(mutate((o) => Object.assign(o.keys[0]!, { algorithm: "gcra", lastWindow: span(199) })))).toEqual([]);
    expect(keysOf(mutate((o) => Object.assign(o.keys[0]!, { algorithm: "gcra", lastWindow: span(450) })))).toEqual(["over_admission:key:user:1"]);
  });

  test("over_admission's neighbourhood: 0.3x, 1x and 3x a key's limit in traffic admitted within it never fire; half and three times an over-admission do", () => {
    for (const algorithm of ["fixed-window", "sliding-log", "sliding-window", "gcra"]) {
      for (const checks of [30, 100, 300]) {
        const within = mutate((o) => Object.assign(o.keys[0]!, { algorithm, lastWindow: span(Math.min(checks, 100), Math.max(0, checks - 100)) }));
        expect(keysOf(within)).toEqual([]);
      }
    }
    // A fail-open node lets a key through past its limit: 1.5x and 3x on an exact algorithm are both breaches.
    for (const admitted of [150, 300]) expect(keysOf(mutate((o) => Object.assign(o.keys[0]!, { lastWindow: span(admitted) })))).toEqual(["over_admission:key:user:1"]);
    // The same on GCRA, which may reach 2x by design: 1.5x is its design, 3x a breach.
    expect(keysOf(mutate((o) => Object.assign(o.keys[0]!, { algorithm: "gcra", lastWindow: span(150) })))).toEqual([]);
    expect(keysOf(mutate((o) => Object.assign(o.keys[0]!, { algorithm: "gcra", lastWindow: span(300) })))).toEqual(["over_admission:key:user:1"]);
  });

  test("over_throttling: denied under the limit, unless blocked", () => {
    const stuck = (o: RatelimiterObservation) => Object.assign(o.keys[2]!, { reported: { checks: 30, allowed: 0, denied: 30 }, lastWindow: span(0, 30), recent: span(0, 4) });
    expect(keysOf(mutate(stuck))).toEqual(["over_throttling:key:user:3"]);
    expect(keysOf(mutate((o) => { stuck(o); o.keys[2]!.blocked = true; }))).toEqual([]);
    expect(keysOf(mutate((o) => { stuck(o); o.keys[2]!.lastWindow = span(100, 300); }))).toEqual([]);
    // Uniform load brushing the limit: a few denials among mostly admitted checks, while the
    // sketches undercount the window (a lower bound). Not a stuck counter.
    expect(keysOf(mutate((o) => { stuck(o); o.keys[2]!.recent = span(9, 2); }))).toEqual([]);
    // The last cycles saw only a denial or two, but over the whole reports the key was mostly admitted.
    expect(keysOf(mutate((o) => { stuck(o); o.keys[2]!.recent = span(0, 1); o.keys[2]!.reported = { checks: 14, allowed: 11, denied: 3 }; }))).toEqual([]);
  });

  test("over_throttling counts per the key's own window: 5 s windows in minute-long hot-keys reports", () => {
    const short = (o: RatelimiterObservation, perWindow: number) =>
      Object.assign(o.keys[2]!, { windowMs: 5_000, limit: 10, reported: { checks: 48, allowed: 8, denied: 40 }, lastWindow: { ...span(0, perWindow), coveredMs: 4_400 }, recent: span(0, 2) });
    expect(check(mutate((o) => short(o, 4))).map((v) => [violationKey(v), v.message])).toEqual([
      ["over_throttling:key:user:3", "key user:3 is denied (2 recently) with only 4 checks per window against a limit of 10"],
    ]);
    expect(keysOf(mutate((o) => short(o, 40)))).toEqual([]);
    // Before the ledger covers a whole window, the (longer) reports decide: 48 checks are not under 10.
    expect(keysOf(mutate((o) => { short(o, 4); o.keys[2]!.lastWindow.coveredMs = 2_000; }))).toEqual([]);
  });

  test("stale_counter: no TTL on a heavy key's counter, or a TTL past its window in the Redis sample", () => {
    const noTtl = mutate((o) => o.keys[1]!.counters.forEach((c) => (c.ttlMs = -1)));
    expect(check(noTtl)).toEqual([{
      invariant: "stale_counter", resource: "key:user:2", severity: "warning", message: "counter of user:2 has no TTL",
      evidence: { redis_key: null, ttl_ms: -1, window_ms: 60_000, algorithm: "sliding-log", count: 35, found_by: "counter_api" },
    }]);
    const longTtl = mutate((o) => o.redis!.counters.push({ redisKey: "ratelimit:{cold}:fw", key: "cold", algorithm: "fixed-window", ttlMs: 3_600_000 }));
    expect(keysOf(longTtl)).toEqual(["stale_counter:key:cold"]);
    const slidingWindowOk = mutate((o) => o.redis!.counters.push({ redisKey: "ratelimit:{w}:sw:7", key: "w", algorithm: "sliding-window", ttlMs: 110_000 }));
    expect(keysOf(slidingWindowOk)).toEqual([]);
  });

  test("hot_key: a key 10x above the next one, at 10 checks/s or more; not a quiet system, an even spread, a first look or a blocked key", () => {
    const quietKeys = Array.from({ length: 10 }, (_, i) => ({ key: `user:q${i}`, checks: 5 }));
    const hot = mutate((o) => (o.traffic = { basis: "recent", spanMs: 20_000, total: 20_000, top: [{ key: "user:1", checks: 1_000 }, ...quietKeys] }));
    expect(check(hot)).toMatchObject([{ invariant: "hot_key", resource: "key:user:1", message: "key user:1 takes 50 checks/s, 200× user:q0 (5% of all checks)", evidence: { gap: 200, checks_per_s: 50, share: 0.05 } }]);
    const two = mutate((o) => (o.traffic = { ...hot.traffic, top: [{ key: "user:1", checks: 1_000 }, { key: "user:2", checks: 900 }, ...quietKeys] }));
    expect(keysOf(two)).toEqual(["hot_key:key:user:1", "hot_key:key:user:2"]);
    const quiet = mutate((o) => (o.traffic = { basis: "recent", spanMs: 20_000, total: 33, top: [{ key: "user:1", checks: 30 }, { key: "user:2", checks: 2 }, { key: "user:3", checks: 1 }] }));
    expect(keysOf(quiet)).toEqual([]);
    const even = mutate((o) => (o.traffic = { basis: "recent", spanMs: 20_000, total: 3_000, top: [{ key: "user:1", checks: 1_100 }, { key: "user:2", checks: 1_000 }, { key: "user:3", checks: 900 }] }));
    expect(keysOf(even)).toEqual([]);
    const firstLook = mutate((o) => (o.traffic = { ...hot.traffic, basis: "reported", spanMs: 0 }));
    expect(keysOf(firstLook)).toEqual([]);
    const blocked = mutate((o) => { o.traffic = hot.traffic; o.keys[0]!.blocked = true; });
    expect(keysOf(blocked)).toEqual([]);
  });

  test("counter_drift: one node answering from its local share while the others read Redis", () => {
    const o = mutate((o) => Object.assign(o.keys[0]!.counters[1]!, { count: 3, source: "local" }));
    expect(check(o)).toMatchObject([{ invariant: "counter_drift", resource: "key:user:1", message: "nodes disagree on key user:1: a=40 (redis), b=3 (local), c=40 (redis)" }]);
    expect(keysOf(mutate((o) => (o.keys[0]!.counters[1]!.count = 41)))).toEqual([]);
  });

  test("counter_drift: not for reads that straddle a window's end (one node still sees the old window about to expire)", () => {
    const edge = (ttlMs: number) => mutate((o) => o.keys[0]!.counters.forEach((c, i) => Object.assign(c, i === 1 ? { count: 0, ttlMs: -2 } : { count: 40, ttlMs })));
    expect(keysOf(edge(150))).toEqual([]);
    // Well before the window's end the same counts are drift.
    expect(keysOf(edge(20_000))).toEqual(["counter_drift:key:user:1"]);
  });

  test("node_draining: a node that answers but refuses checks (info), not node_down", () => {
    const o = mutate((o) => (o.nodes[0]!.draining = true));
    expect(check(o).map((v) => [violationKey(v), v.severity])).toEqual([["node_draining:node:a", "info"]]);
  });
});
