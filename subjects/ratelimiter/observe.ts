// One observation of the rate limiter, from outside: read every node (configured or registered),
// then the heaviest keys' counters on each node and Redis, both bounded in size and time. Keeps
// what needs memory across cycles: the roster, node ids by URL, each node's history, the traffic ledger.
import { unreachableError } from "../../lib/cli/errors.ts";
import { HOT_KEYS_PER_NODE, readCounters, readNode, type NodeReading } from "./node-reader.ts";
import type { CounterView, KeyTraffic, NodeState, RatelimiterObservation } from "./observation.ts";
import { NodeHistory } from "./node-history.ts";
import { NodeRoster } from "./node-roster.ts";
import { createRedisProbe, type RedisObservation } from "./redis-probe.ts";
import { SampleWindow } from "./sample-window.ts";
import { stalenessOf } from "./staleness.ts";
import { TrafficLedger } from "./traffic-ledger.ts";

export interface Target {
  url: string;
  /** Known id (from the local deployment); else learned from the node. */
  id?: string;
}

export interface ObserverOptions {
  targets: Target[];
  redisUrl?: string;
  httpTimeoutMs: number;
  /** Counter keys sampled from Redis per cycle. */
  keySample: number;
}

/** Keys followed closely each cycle (counters on every node, blocks, traffic). */
const FOCUS_KEYS = 8;
/** A node's /metrics is scraped at most this often (the p99 spans ~30 s anyway), ms… */
const METRICS_EVERY_MS = 5_000;
/** …except the second scrape, this soon after the first (a baseline): a p99 wants two, and --once has 2 s. */
const SECOND_SCRAPE_AFTER_MS = 1_500;
const LEDGER_RETAIN_MS = 20 * 60_000;
const MAX_STALE_SUSPECTS = 100;
const MAX_KNOWN_LIMITS = 1_000;
/** The operator's own PING, judged like a node's report: what all but one of the last 5 observations within 10 s reached. */
const PING_WINDOW = { spanMs: 10_000, maxSamples: 5, sameWhenEqual: false };
/** The span of "who takes the traffic now" (hot keys). */
const TRAFFIC_SPAN_MS = 20_000;
/** Keys listed in "who takes the traffic now": the hot keys (at most 5) and enough below them to see the step. */
const TRAFFIC_TOP = 20;

export interface Observer {
  observe(signal: AbortSignal): Promise<RatelimiterObservation>;
  /** The nodes known now (configured and registered), answering ones first: where actions go. */
  nodes(): { id: string; url: string }[];
  close(): Promise<void>;
}

const hostPort = (url: string) => new URL(url).host;
const trim = (url: string) => url.replace(/\/+$/, "");

export function createObserver(options: ObserverOptions): Observer {
  const roster = new NodeRoster(new Map(options.targets.map((t) => [trim(t.url), t.id])));
  const idsByUrl = new Map<string, string>();
  const history = new NodeHistory();
  const scrapes = new Map<string, { at: number; count: number }>();
  const ledger = new TrafficLedger(LEDGER_RETAIN_MS);
  const pings = new SampleWindow(PING_WINDOW);
  const probe = options.redisUrl
    ? createRedisProbe(options.redisUrl, { timeoutMs: options.httpTimeoutMs, scanCalls: 4, scanCount: 250, sampleSize: options.keySample })
    : undefined;
  let lastAt: number | undefined;
  /** Counter keys the SCAN sample found stale: read again every cycle while they stay stale (bounded). */
  let staleSuspects: string[] = [];
  let lastNodes: { id: string; url: string; reachable: boolean }[] = [];
  /** The last limit read for each key (bounded, oldest forgotten first). */
  const knownLimits = new Map<string, { limit: number; windowMs: number; algorithm: string }>();
  const remember = (key: string, limit: { limit: number; windowMs: number; algorithm: string }) => {
    knownLimits.delete(key);
    knownLimits.set(key, limit);
    if (knownLimits.size > MAX_KNOWN_LIMITS) knownLimits.delete(knownLimits.keys().next().value!);
  };

  const idOf = (url: string) => (roster.isConfigured(url) ? roster.knownId(url) : undefined) ?? idsByUrl.get(url) ?? roster.knownId(url) ?? hostPort(url);

  function nodeState(url: string, reading: NodeReading, at: number): NodeState {
    const base = { url, origin: roster.isConfigured(url) ? ("configured" as const) : ("registered" as const) };
    const d = reading.description;
    if (!d) return { ...base, id: idOf(url), reachable: false, ...(reading.failure ? { failure: reading.failure } : {}) };
    idsByUrl.set(url, d.node_id);
    const id = idOf(url);
    const state: NodeState = {
      ...base, id, reachable: true, mode: d.mode, draining: d.draining ?? false,
      redisConnected: d.redis?.connected, ...history.redisLatency(id, d.redis?.connected ? d.redis.latency_ms ?? null : undefined, at),
      failPolicy: d.fail_policy, algorithm: d.algorithm, defaultLimit: d.default_limit, windowMs: d.window_ms, uptimeMs: d.uptime_ms,
      ...history.checkLatency(id, reading.metrics?.checkBuckets, at),
    };
    if (d.decisions) {
      state.recentFallbacks = history.recentFallbacks(id, d.decisions.fallback, at);
      state.recentChecks = history.recentChecks(id, d.decisions.allowed + d.decisions.denied, at, TRAFFIC_SPAN_MS);
    }
    return state;
  }

  return {
    async observe(signal) {
      const at = Date.now();
      const limits = { timeoutMs: options.httpTimeoutMs, signal };
      const readings = new Map<string, NodeReading>();
      const readAll = async (urls: string[]) => {
        const results = await Promise.all(urls.map((url) => {
          const last = scrapes.get(url);
          const scrape = !last || last.at <= at - (last.count === 1 ? SECOND_SCRAPE_AFTER_MS : METRICS_EVERY_MS);
          if (scrape) scrapes.set(url, { at, count: (last?.count ?? 0) + 1 });
          return readNode(url, limits, scrape);
        }));
        urls.forEach((url, i) => readings.set(url, results[i]!));
      };
      await readAll(roster.urls());
      // Nodes the registry names that we did not know yet are read in this same cycle.
      const listedByNodes = [...readings.values()].filter((r) => r.registered).flatMap((r) => r.registered!);
      roster.discover(listedByNodes, at);
      const unseen = roster.urls().filter((url) => !readings.has(url));
      if (unseen.length) await readAll(unseen);
      signal.throwIfAborted();

      const nodes = [...readings].map(([url, reading]) => nodeState(url, reading, at));
      const problems = [...readings].flatMap(([url, r]) => r.problems.map((p) => `node ${idOf(url)} (${url}): ${p}`));
      for (const [url, reading] of readings) if (reading.hotKeys) ledger.record(idOf(url), at, reading.hotKeys, reading.hotKeys.length < HOT_KEYS_PER_NODE);

      const reported = new Map<string, { checks: number; allowed: number; denied: number }>();
      for (const reading of readings.values()) {
        for (const h of reading.hotKeys ?? []) {
          const sum = reported.get(h.key) ?? { checks: 0, allowed: 0, denied: 0 };
          reported.set(h.key, { checks: sum.checks + h.checks, allowed: sum.allowed + h.allowed, denied: sum.denied + h.denied });
        }
      }
      const focus = [...reported].sort(([, a], [, b]) => b.checks - a.checks).slice(0, FOCUS_KEYS).map(([key]) => key);
      const live = nodes.filter((n) => n.reachable);
      const [counterReads, probed] = await Promise.all([
        Promise.all(live.map((n) => readCounters(n.id, n.url, focus, limits))),
        probe?.observe(focus, staleSuspects, signal),
      ]);
      const ping = probed?.reachable ? pings.add("operator", probed.latencyMs, at) : undefined;
      const redis = probed && ping && probed.latencyMs !== undefined ? { ...probed, latencyMs: Math.round(ping.allButOne * 1_000) / 1_000, latencySamples: ping.samples } : probed;
      signal.throwIfAborted();
      counterReads.forEach((r, i) => problems.push(...r.problems.map((p) => `node ${live[i]!.id} (${live[i]!.url}): ${p}`)));
      const listedByRedis = redis?.reachable ? redis.registered.map((n) => ({ id: n.id, url: trim(n.url) })) : undefined;
      roster.discover(listedByRedis ?? [], at);
      const registryAnswered = listedByRedis !== undefined || [...readings.values()].some((r) => r.registered);
      roster.settle(registryAnswered ? [...listedByNodes, ...(listedByRedis ?? [])] : undefined, (url) => nodes.some((n) => n.url === url && n.reachable), at);

      if (live.length === 0 && (!redis || !redis.reachable)) {
        const why = nodes.map((n) => `${n.id} (${n.url}) ${n.failure?.message ?? "did not answer"}`).join("; ");
        throw unreachableError("subject_unreachable", `no rate-limiter node answered${redis ? " and Redis is unreachable" : ""}: ${why || "no nodes known"}`);
      }

      const recentMs = lastAt === undefined ? 0 : Math.round(2.5 * (at - lastAt));
      lastAt = at;
      const defaultWindowMs = Math.max(0, ...live.map((n) => n.windowMs ?? 0)) || undefined;
      const counters = counterReads.flatMap((r) => r.counters);
      const keys = focus.map((key) => keyTraffic(key, reported.get(key)!, counters.filter((c) => c.key === key), redis, { at, recentMs, defaultWindowMs, nodeDefault: nodeDefaultOf(live) }));
      const reportedChecks = [...reported.values()].reduce((sum, r) => sum + r.checks, 0);
      const recent = ledger.checksByKey(TRAFFIC_SPAN_MS, at);
      const shares = recent.size > 0 ? recent : new Map([...reported].map(([key, r]) => [key, r.checks]));
      // The reports list each node's heaviest keys only: many light keys are missing from them, while
      // the nodes' own decision counts hold every check (the same span, when every live node has one).
      const decided = live.every((n) => n.recentChecks !== undefined) ? live.reduce((sum, n) => sum + n.recentChecks!, 0) : 0;
      const traffic = {
        basis: recent.size > 0 ? ("recent" as const) : ("reported" as const),
        spanMs: recent.size > 0 ? ledger.coveredMs(TRAFFIC_SPAN_MS, at) : 0,
        total: Math.max([...shares.values()].reduce((sum, n) => sum + n, 0), recent.size > 0 ? decided : 0),
        top: [...shares].sort(([, a], [, b]) => b - a).slice(0, TRAFFIC_TOP).map(([key, checks]) => ({ key, checks })),
      };
      lastNodes = nodes.map((n) => ({ id: n.id, url: n.url, reachable: n.reachable }));
      const observation: RatelimiterObservation = { at, nodes, ...(redis ? { redis } : {}), keys, reportedChecks, traffic, problems };
      if (redis?.reachable) staleSuspects = stalenessOf(observation).flatMap((s) => (s.redisKey ? [s.redisKey] : [])).slice(0, MAX_STALE_SUSPECTS);
      return observation;
    },
    nodes() {
      const seen = lastNodes.length ? lastNodes : roster.urls().map((url) => ({ id: idOf(url), url, reachable: true }));
      return [...seen].sort((a, b) => Number(b.reachable) - Number(a.reachable)).map(({ id, url }) => ({ id, url }));
    },
    async close() {
      await probe?.close();
    },
  };

  function keyTraffic(
    key: string,
    reportedTotals: KeyTraffic["reported"],
    views: CounterView[],
    redis: RedisObservation | undefined,
    context: { at: number; recentMs: number; defaultWindowMs: number | undefined; nodeDefault: { limit: number; windowMs: number; algorithm: string } | undefined },
  ): KeyTraffic {
    const authority = views.find((c) => c.source === "redis") ?? views[0];
    if (authority) remember(key, { limit: authority.limit, windowMs: authority.windowMs, algorithm: authority.algorithm });
    // No node could read the counter (Redis away): the limit last seen still says what the key may
    // take; for a key never seen, the nodes' own default (what they apply to it without Redis too).
    const known = authority ?? knownLimits.get(key) ?? context.nodeDefault;
    const windowMs = known?.windowMs ?? context.defaultWindowMs;
    return {
      key,
      ...(known ? { limit: known.limit, algorithm: known.algorithm } : {}),
      ...(windowMs ? { windowMs } : {}),
      reported: reportedTotals,
      lastWindow: ledger.totals(key, windowMs ?? 0, context.at),
      recent: ledger.totals(key, context.recentMs, context.at),
      ...(redis?.reachable ? { blocked: redis.blockedKeys.includes(key) } : {}),
      counters: views,
    };
  }
}

/** The default limit every live node applies (limit, window, algorithm), or undefined when they differ or do not say. */
function nodeDefaultOf(nodes: NodeState[]): { limit: number; windowMs: number; algorithm: string } | undefined {
  const [first] = nodes;
  if (!first || first.defaultLimit === undefined || first.windowMs === undefined || first.algorithm === undefined) return undefined;
  const same = nodes.every((n) => n.defaultLimit === first.defaultLimit && n.windowMs === first.windowMs && n.algorithm === first.algorithm);
  return same ? { limit: first.defaultLimit, windowMs: first.windowMs, algorithm: first.algorithm } : undefined;
}
