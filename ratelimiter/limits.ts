// Per-key overrides (limit, window, algorithm) and blocks, kept in Redis where every node's check
// script reads them: a change applies to every node at the next check.
import type { Cluster, Redis } from "ioredis";
import { keysOf } from "./keys.ts";
import { isAlgorithm, type Algorithm } from "./options.ts";
import type { RedisCall } from "./redis-gate.ts";

/** `GET /api/v1/limits/:key` (wire shape). */
export interface LimitView {
  key: string;
  limit: number;
  window_ms: number;
  algorithm: Algorithm;
  source: "default" | "override";
}

export interface BlockView {
  key: string;
  blocked: boolean;
  /** -1: until lifted */
  ttl_ms?: number;
  reason?: string;
}

export interface Limits {
  get(key: string): Promise<LimitView>;
  put(key: string, override: { limit: number; windowMs: number; algorithm?: Algorithm }): Promise<LimitView>;
  remove(key: string): Promise<LimitView>;
  block(key: string, options: { ttlMs?: number; reason?: string }): Promise<BlockView>;
  unblock(key: string): Promise<BlockView>;
}

export function createLimits(client: Redis | Cluster, call: RedisCall, defaults: { limit: number; windowMs: number; algorithm: Algorithm }): Limits {
  const defaultView = (key: string): LimitView => ({ key, limit: defaults.limit, window_ms: defaults.windowMs, algorithm: defaults.algorithm, source: "default" });
  return {
    async get(key) {
      const [limit, windowMs, algorithm] = await call(() => client.hmget(keysOf(key).limit, "limit", "window_ms", "algorithm"));
      if (limit === null) return defaultView(key);
      return {
        key,
        limit: Number(limit),
        window_ms: windowMs === null ? defaults.windowMs : Number(windowMs),
        algorithm: isAlgorithm(algorithm) ? algorithm : defaults.algorithm,
        source: "override",
      };
    },
    async put(key, { limit, windowMs, algorithm }) {
      const limitKey = keysOf(key).limit;
      // One transaction (one slot: one hash tag): a node never reads half an override.
      const fields: Record<string, string | number> = { limit, window_ms: windowMs };
      if (algorithm) fields.algorithm = algorithm;
      await call(() => client.multi().del(limitKey).hset(limitKey, fields).exec());
      return { key, limit, window_ms: windowMs, algorithm: algorithm ?? defaults.algorithm, source: "override" };
    },
    async remove(key) {
      await call(() => client.del(keysOf(key).limit));
      return defaultView(key);
    },
    async block(key, { ttlMs, reason = "" }) {
      const blockKey = keysOf(key).block;
      await call(() => (ttlMs ? client.set(blockKey, reason, "PX", ttlMs) : client.set(blockKey, reason)));
      return { key, blocked: true, ttl_ms: ttlMs ?? -1, reason };
    },
    async unblock(key) {
      await call(() => client.del(keysOf(key).block));
      return { key, blocked: false };
    },
  };
}
