// The Redis key scheme, spelled once. Everything starts with `ratelimit:`; one user key's state
// shares the hash tag `{<key>}` so a Redis Cluster keeps it in one slot (one script, one node).
import type { Algorithm } from "./options.ts";

export const KEY_PREFIX = "ratelimit:";

/** The per-key state keys. `counter` of sliding-window is a prefix: the script appends the window index. */
export interface KeySet {
  /** hash: limit, window_ms, algorithm (a per-key override) */
  limit: string;
  /** string: the block's reason; its TTL is the block's */
  block: string;
  counter: Record<Algorithm, string>;
}

export const COUNTER_SUFFIX: Record<Algorithm, string> = {
  "fixed-window": "fw",
  "sliding-window": "sw:",
  "sliding-log": "sl",
  gcra: "gcra",
};

export const LIMIT_SUFFIX = "limit";
export const BLOCK_SUFFIX = "block";

/** `ratelimit:{<key>}:`, the start of every Redis key holding `key`'s state; append a suffix above. */
export const tagOf = (key: string) => `${KEY_PREFIX}{${key}}:`;

export function keysOf(key: string): KeySet {
  const tag = tagOf(key);
  return {
    limit: tag + LIMIT_SUFFIX,
    block: tag + BLOCK_SUFFIX,
    counter: {
      "fixed-window": tag + COUNTER_SUFFIX["fixed-window"],
      "sliding-window": tag + COUNTER_SUFFIX["sliding-window"],
      "sliding-log": tag + COUNTER_SUFFIX["sliding-log"],
      gcra: tag + COUNTER_SUFFIX.gcra,
    },
  };
}

/** Node registry: a sorted set of node ids (score = last heartbeat, ms) and one expiring hash per node. */
export const NODE_INDEX_KEY = `${KEY_PREFIX}nodes:{registry}`;
export const nodeKeyOf = (nodeId: string) => `${KEY_PREFIX}node:{registry}:${nodeId}`;

const COUNTER_KEY = /^ratelimit:\{(.*)\}:(fw|sl|gcra|sw:\d+)$/s;

/** The user key whose counter `redisKey` is, or undefined for any other key (limits, blocks, registry). */
export function userKeyOfCounter(redisKey: string): string | undefined {
  return COUNTER_KEY.exec(redisKey)?.[1];
}

/** A SCAN MATCH pattern for every key whose user key starts with `prefix` (glob characters escaped). */
export const scanPatternOf = (prefix: string) => `${KEY_PREFIX}{${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
