// A node's configuration: what startNode takes (camelCase, durations in ms) and its defaults.
import { usageError } from "../lib/cli/errors.ts";

export const ALGORITHMS = ["fixed-window", "sliding-window", "sliding-log", "gcra"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** What a node does when Redis does not answer within the timeout. */
export const FAIL_POLICIES = ["open", "closed", "local"] as const;
export type FailPolicy = (typeof FAIL_POLICIES)[number];

/** Where the node's decisions come from right now; `GET /api/v1/node` and `ratelimiter_mode` show it. */
export type NodeMode = "redis" | "fail-open" | "fail-closed" | "local";

export const modeOfPolicy: Record<FailPolicy, NodeMode> = { open: "fail-open", closed: "fail-closed", local: "local" };

export const isAlgorithm = (name: unknown): name is Algorithm => (ALGORITHMS as readonly unknown[]).includes(name);

/** The node's few log lines (mode changes, registration trouble, bugs); the CLI passes its logger. */
export interface NodeLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface NodeOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port (the chosen one is in RunningNode.url). Default 8080. */
  port?: number;
  /** redis://, rediss://, redis+cluster://h1:p1,h2:p2, redis+sentinel://h:p[,h:p]/<master>. */
  redisUrl?: string;
  /** Default `<hostname>-<port>`. */
  nodeId?: string;
  /** Requests per window for keys without an override. Default 10. */
  defaultLimit?: number;
  /** Default 60 000. */
  windowMs?: number;
  /** Default sliding-log. */
  algorithm?: Algorithm;
  /** Default open. */
  failPolicy?: FailPolicy;
  /** How long one check waits for Redis before the fail policy decides. Default 50. */
  redisTimeoutMs?: number;
  /** Checks in flight past which the node sheds (503 overloaded). Default 1000. */
  maxInFlight?: number;
  /** Bearer token of the admin endpoints; without one they answer 403. */
  adminToken?: string;
  /** Registration heartbeat period; the registration expires after 5 periods. Default 2000. */
  heartbeatMs?: number;
  /** Redis liveness probe period (latency, circuit breaker). Default 500. */
  probeIntervalMs?: number;
  /** Keys the hot-key sketch tracks per window. Default 1000. */
  hotKeysCapacity?: number;
  /** Rotation period of the hot-key sketch and the active-counter estimate. Default 60 000. */
  hotKeysWindowMs?: number;
  log?: NodeLogger;
}

export type ResolvedNodeOptions = Required<Omit<NodeOptions, "adminToken" | "nodeId">> & { adminToken?: string; nodeId?: string };

const stderrLogger: NodeLogger = {
  info: () => {},
  warn: (message) => console.error(`ratelimiter: ${message}`),
  error: (message, error) => console.error(`ratelimiter: ${message}`, error ?? ""),
};

export const nodeDefaults = {
  host: "127.0.0.1",
  port: 8080,
  redisUrl: "redis://127.0.0.1:6379",
  defaultLimit: 10,
  windowMs: 60_000,
  algorithm: "sliding-log",
  failPolicy: "open",
  redisTimeoutMs: 50,
  // See docs/ratelimiter-node.md "Overload": about 50 ms of this node's saturated throughput (~20,000 checks/s here),
  // so a check waits in the node at most about as long as it may wait for Redis.
  maxInFlight: 1_000,
  heartbeatMs: 2_000,
  probeIntervalMs: 500,
  hotKeysCapacity: 1_000,
  hotKeysWindowMs: 60_000,
} as const satisfies Partial<NodeOptions>;

const isPositiveInt = (n: number) => Number.isSafeInteger(n) && n > 0;

/** Defaults filled in; throws a usage error naming the first option out of range. */
export function resolveNodeOptions(options: NodeOptions): ResolvedNodeOptions {
  const resolved = { ...nodeDefaults, log: stderrLogger } as ResolvedNodeOptions;
  for (const [name, value] of Object.entries(options)) {
    if (value !== undefined) (resolved as unknown as Record<string, unknown>)[name] = value;
  }
  const positive = ["defaultLimit", "windowMs", "redisTimeoutMs", "maxInFlight", "heartbeatMs", "probeIntervalMs", "hotKeysCapacity", "hotKeysWindowMs"] as const;
  for (const name of positive) {
    if (!isPositiveInt(resolved[name])) throw usageError("invalid_option", `${name} must be a positive integer, not ${resolved[name]}`);
  }
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65_535) throw usageError("invalid_option", `port must be 0 to 65535, not ${resolved.port}`);
  if (!isAlgorithm(resolved.algorithm)) throw usageError("invalid_option", `algorithm must be one of ${ALGORITHMS.join(", ")}`);
  if (!FAIL_POLICIES.includes(resolved.failPolicy)) throw usageError("invalid_option", `failPolicy must be one of ${FAIL_POLICIES.join(", ")}`);
  return resolved;
}
