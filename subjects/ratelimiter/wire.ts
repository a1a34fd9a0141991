// The rate limiter as a user sees it, spelled once on the operator's side: its HTTP paths, metric
// names and Redis key scheme (DESIGN.md). The service spells its side in ratelimiter/; we never import it.

export const PATH = {
  check: "/api/v1/check",
  health: "/health",
  node: "/api/v1/node",
  drain: "/api/v1/node/drain",
  nodes: "/api/v1/nodes",
  hotKeys: (count: number) => `/api/v1/hot-keys?count=${count}`,
  counter: (key: string) => `/api/v1/counters/${encodeURIComponent(key)}`,
  metrics: "/metrics",
} as const;

export const METRIC = {
  checkDuration: "ratelimiter_check_duration_seconds",
  checks: "ratelimiter_checks_total",
  redisErrors: "ratelimiter_redis_errors_total",
  fallbackDecisions: "ratelimiter_fallback_decisions_total",
} as const;

export const ALGORITHMS = ["fixed-window", "sliding-window", "sliding-log", "gcra"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
export const isAlgorithm = (name: unknown): name is Algorithm => (ALGORITHMS as readonly unknown[]).includes(name);

/** Node modes of `GET /api/v1/node`: `redis` is healthy, the others decide without Redis. */
export type NodeMode = "redis" | "fail-open" | "fail-closed" | "local";

export const KEY_PREFIX = "ratelimit:";
export const COUNTER_SCAN_PATTERN = `${KEY_PREFIX}{*`;
export const NODE_INDEX_KEY = `${KEY_PREFIX}nodes:{registry}`;
export const nodeKeyOf = (nodeId: string) => `${KEY_PREFIX}node:{registry}:${nodeId}`;
export const limitKeyOf = (key: string) => `${KEY_PREFIX}{${key}}:limit`;
export const blockKeyOf = (key: string) => `${KEY_PREFIX}{${key}}:block`;
export const fixedWindowKeyOf = (key: string) => `${KEY_PREFIX}{${key}}:fw`;
/** A SCAN MATCH pattern for every Redis key of one user key (glob characters in it escaped). */
export const keyStatePatternOf = (key: string) => `${KEY_PREFIX}{${key.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}}:*`;

/** A counter key's user key and algorithm, or undefined for any other key (limits, blocks, registry). */
export function parseCounterKey(redisKey: string): { key: string; algorithm: Algorithm } | undefined {
  const match = /^ratelimit:\{(.*)\}:(fw|sl|gcra|sw:\d+)$/s.exec(redisKey);
  if (!match) return undefined;
  const suffix = match[2]!;
  const algorithm: Algorithm = suffix === "fw" ? "fixed-window" : suffix === "sl" ? "sliding-log" : suffix === "gcra" ? "gcra" : "sliding-window";
  return { key: match[1]!, algorithm };
}

/**
 * The longest TTL a healthy counter can carry, in windows: every script sets it in the same call
 * that writes the counter; a sliding-window counter lives on through the next window.
 */
export const MAX_TTL_WINDOWS: Record<Algorithm, number> = { "fixed-window": 1, "sliding-window": 2, "sliding-log": 1, gcra: 1 };
