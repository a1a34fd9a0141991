// Which counters can never drain: no TTL, or a TTL longer than their algorithm ever sets. Two
// sources: the heaviest keys' counters as the nodes read them, and the bounded Redis SCAN sample.
import type { RatelimiterObservation } from "./observation.ts";
import { THRESHOLDS } from "./thresholds.ts";
import { isAlgorithm, MAX_TTL_WINDOWS } from "./wire.ts";

export interface Staleness {
  key: string;
  redisKey?: string;
  /** -1: no TTL. */
  ttlMs: number;
  windowMs?: number;
  algorithm: string;
  count?: number;
  foundBy: "counter_api" | "redis_scan";
}

function isStale(ttlMs: number, algorithm: string, windowMs: number | undefined): boolean {
  if (ttlMs === -1) return true;
  if (ttlMs < 0 || windowMs === undefined || !isAlgorithm(algorithm)) return false;
  return ttlMs > MAX_TTL_WINDOWS[algorithm] * windowMs + THRESHOLDS.ttlSlackMs;
}

export function stalenessOf(o: RatelimiterObservation): Staleness[] {
  const found = new Map<string, Staleness>();
  for (const k of o.keys) {
    const view = k.counters.find((c) => c.source === "redis" && isStale(c.ttlMs, c.algorithm, c.windowMs));
    if (view) found.set(k.key, { key: k.key, ttlMs: view.ttlMs, windowMs: view.windowMs, algorithm: view.algorithm, count: view.count, foundBy: "counter_api" });
  }
  const defaultWindowMs = Math.max(0, ...o.nodes.map((n) => n.windowMs ?? 0)) || undefined;
  for (const c of o.redis?.counters ?? []) {
    if (found.has(c.key)) continue;
    const windowMs = c.override?.windowMs || defaultWindowMs;
    if (isStale(c.ttlMs, c.algorithm, windowMs)) {
      found.set(c.key, { key: c.key, redisKey: c.redisKey, ttlMs: c.ttlMs, ...(windowMs ? { windowMs } : {}), algorithm: c.algorithm, foundBy: "redis_scan" });
    }
  }
  return [...found.values()];
}
