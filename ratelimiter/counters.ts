// Reading and resetting counters: one key (its effective algorithm's counter, read by a script on
// Redis time), a bounded list by prefix (SCAN on every master), and an idempotent reset.
import type { Redis } from "ioredis";
import type { CounterScripts } from "./algorithms/scripts.ts";
import { scanPatternOf, userKeyOfCounter } from "./keys.ts";
import { isAlgorithm, type Algorithm } from "./options.ts";
import type { RedisCall } from "./redis-gate.ts";

/** One counter on the wire. `source` says who holds it: Redis, or this node under fail policy local. */
export interface CounterView {
  key: string;
  /** Units taken in the current window. */
  count: number;
  limit: number;
  window_ms: number;
  /** -2 no counter, -1 a counter without expiry (it never resets by itself). */
  ttl_ms: number;
  algorithm: Algorithm;
  source: "redis" | "local";
}

export const MAX_LIST_COUNT = 1_000;
// SCAN calls per master before a list gives up looking: bounds the time of one list request.
const MAX_SCANS_PER_MASTER = 50;

export interface Counters {
  get(key: string): Promise<CounterView>;
  list(prefix: string, count: number): Promise<CounterView[]>;
  reset(key: string): Promise<{ key: string; reset: true; deleted: number }>;
}

export function createCounters(
  deps: { scripts: CounterScripts; masters: () => Redis[]; call: RedisCall },
  defaults: { limit: number; windowMs: number; algorithm: Algorithm },
): Counters {
  const { scripts, call } = deps;

  async function get(key: string): Promise<CounterView> {
    const [algorithm, count, limit, windowMs, ttlMs] = await call(() => scripts.peek(key, defaults.limit, defaults.windowMs, defaults.algorithm));
    return { key, count, limit, window_ms: windowMs, ttl_ms: ttlMs, algorithm: isAlgorithm(algorithm) ? algorithm : defaults.algorithm, source: "redis" };
  }

  async function scanKeys(master: Redis, pattern: string, wanted: number, found: Set<string>): Promise<void> {
    let cursor = "0";
    for (let scans = 0; scans < MAX_SCANS_PER_MASTER && found.size < wanted; scans++) {
      const [next, keys] = await call(() => master.scan(cursor, "MATCH", pattern, "COUNT", 1000));
      for (const redisKey of keys) {
        const key = userKeyOfCounter(redisKey);
        if (key !== undefined && found.size < wanted) found.add(key);
      }
      cursor = next;
      if (cursor === "0") return;
    }
  }

  return {
    get,
    async list(prefix, count) {
      const found = new Set<string>();
      for (const master of deps.masters()) await scanKeys(master, scanPatternOf(prefix), count, found);
      const views = await Promise.all([...found].map(get));
      return views.filter((view) => view.ttl_ms !== -2).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async reset(key) {
      const deleted = await call(() => scripts.reset(key, defaults.windowMs));
      return { key, reset: true, deleted };
    },
  };
}
