// What one observation of the rate limiter holds: every node as its API shows it, Redis as the
// operator's own client sees it, and the heaviest keys with their traffic summed over nodes.
import type { HttpFailure } from "./http-client.ts";
import type { RedisObservation } from "./redis-probe.ts";
import type { SpanTotals } from "./traffic-ledger.ts";

export interface NodeState {
  /** The node's id (`node:<id>` is its resource): from the node, the registry or the deployment, else host:port. */
  id: string;
  url: string;
  /** `configured`: named by --targets or the local deployment; `registered`: found in the node registry. */
  origin: "configured" | "registered";
  /** It answered `GET /api/v1/node` with a node description. */
  reachable: boolean;
  failure?: HttpFailure;
  mode?: string;
  draining?: boolean;
  redisConnected?: boolean;
  /** The node's own latency to Redis (ms) that all its recent reports but one reached: a slow link to one node shows here only. */
  redisLatencyMs?: number;
  /** Distinct reports behind that figure (a verdict wants several). */
  redisLatencySamples?: number;
  /** Most of those reports are probes that got no answer within the node's --redis-timeout (then no `redisLatencyMs`). */
  redisProbesTimingOut?: boolean;
  failPolicy?: string;
  algorithm?: string;
  defaultLimit?: number;
  windowMs?: number;
  uptimeMs?: number;
  /**
   * Check latency, ms: what all but one of the last 5 spans' p99 reached (a span runs from one scrape
   * of the node's histogram to the next); none on the first scrape (a baseline), under 3 spans, or
   * under 100 checks in the last ~30 s.
   */
  checkP99Ms?: number;
  /** Checks in the last ~30 s. */
  checkSamples?: number;
  /** Spans behind `checkP99Ms`. */
  checkSpans?: number;
  /** Checks it decided (allowed or denied) over the traffic span (~20 s); undefined on a first look. */
  recentChecks?: number;
  /** Checks it decided without Redis (by its fail policy) over the last minute; undefined on a first look. */
  recentFallbacks?: number;
}

/** One node's view of one key (`GET /api/v1/counters/:key`). */
export interface CounterView {
  key: string;
  node: string;
  count: number;
  limit: number;
  windowMs: number;
  ttlMs: number;
  algorithm: string;
  /** `redis`, or `local` for a node deciding from its own share. */
  source: string;
}

export interface KeyTraffic {
  key: string;
  /** The key's effective limit, from a node that reads it from Redis when one does. */
  limit?: number;
  windowMs?: number;
  algorithm?: string;
  /** The nodes' hot-keys reports summed (each covers its node's last one or two windows): an upper bound of recent traffic. */
  reported: { checks: number; allowed: number; denied: number };
  /** Increments over the key's last window, summed over nodes: a lower bound of what was admitted. */
  lastWindow: SpanTotals;
  /** Increments over the last couple of cycles. */
  recent: SpanTotals;
  /** Under a block (`block_key`); undefined when Redis cannot be asked. */
  blocked?: boolean;
  counters: CounterView[];
}

export interface RatelimiterObservation {
  /** ms since the epoch */
  at: number;
  nodes: NodeState[];
  /** Undefined when the operator has no Redis URL (then the nodes' own view of Redis stands). */
  redis?: RedisObservation;
  /** The heaviest keys, heaviest first (bounded). */
  keys: KeyTraffic[];
  /** Checks in all nodes' hot-keys reports together. */
  reportedChecks: number;
  /**
   * Who takes the traffic now, heaviest first: checks per key over the last ~20 s from the traffic
   * ledger (`recent`), or, on a first look, the nodes' reports (`reported`, one or two windows).
   * Per-key figures come from each node's hot-keys sketch (space-saving, bounded memory): only the
   * heaviest 20 keys of each node are seen, a heavy key is never missed, and a key that entered the
   * sketch by taking a lighter one's place is counted from its next report on (so light keys' figures
   * are what they are, and a key outside every node's top 20 is only in `total`).
   */
  traffic: {
    basis: "recent" | "reported";
    /** The span `recent` figures cover (ms; up to ~20 s, less while the ledger warms up); 0 for `reported`, whose span is the nodes' own. */
    spanMs: number;
    /** Checks of all keys over the span: the nodes' own decision counts when every node gives one, so keys outside `top` count too. */
    total: number;
    top: { key: string; checks: number }[];
  };
  /** Parts that could not be read (garbage, oversized bodies): `error` events, not violations. */
  problems: string[];
}
