// The Lua scripts of the four algorithms (and the counter read/reset), registered with ioredis
// defineCommand: EVALSHA, and EVAL again when Redis answers NOSCRIPT.
// ioredis copies every script a client defines onto each pipeline it builds, and auto-pipelining
// builds one per batch: the check client defines the node's own algorithm at once and another
// only when an override first names it; counter scripts live on the control client.
import type { Cluster, Redis } from "ioredis";
import { BLOCK_SUFFIX, COUNTER_SUFFIX, keysOf, LIMIT_SUFFIX, tagOf } from "../keys.ts";
import type { Algorithm } from "../options.ts";
import fixedWindow from "./fixed-window.lua" with { type: "text" };
import gcra from "./gcra.lua" with { type: "text" };
import peek from "./peek.lua" with { type: "text" };
import prelude from "./prelude.lua" with { type: "text" };
import reset from "./reset.lua" with { type: "text" };
import slidingLog from "./sliding-log.lua" with { type: "text" };
import slidingWindow from "./sliding-window.lua" with { type: "text" };

const CHECK_COMMANDS = {
  "fixed-window": ["rlCheckFixedWindow", fixedWindow],
  "sliding-window": ["rlCheckSlidingWindow", slidingWindow],
  "sliding-log": ["rlCheckSlidingLog", slidingLog],
  gcra: ["rlCheckGcra", gcra],
} as const satisfies Record<Algorithm, readonly [string, string]>;

/** One check script's reply; see prelude.lua. Decision 3 carries an algorithm name instead. */
export type CheckReply =
  | [decision: 0 | 1, limit: number, remaining: number, resetMs: number, retryAfterMs: number, windowMs: number, isOverride: 0 | 1]
  | [decision: 2, limit: number, remaining: number, resetMs: number, retryAfterMs: number, windowMs: number, isOverride: 0 | 1, reason: string]
  | [decision: 3, algorithm: string];

export type PeekReply = [algorithm: string, count: number, limit: number, windowMs: number, ttlMs: number, isOverride: 0 | 1];

type ScriptFn<R> = (...args: (string | number)[]) => Promise<R>;
type ScriptClient = Record<string, ScriptFn<unknown>>;

export interface CheckScripts {
  /** `limit` and `windowMs` may come as text: the node passes its defaults pre-formatted. */
  check(algorithm: Algorithm, key: string, limit: number | string, windowMs: number | string, cost: number): Promise<CheckReply>;
}

export interface CounterScripts {
  peek(key: string, limit: number, windowMs: number, algorithm: Algorithm): Promise<PeekReply>;
  /** Deletes every counter of `key`; resolves to the number of Redis keys deleted. */
  reset(key: string, windowMs: number): Promise<number>;
}

/** What defines scripts: an ioredis client, or one that looks like it (ratelimiter/bun-redis.ts). */
export interface ScriptHost {
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
}

export function defineCheckScripts(client: ScriptHost, defaultAlgorithm: Algorithm): CheckScripts {
  const checkFns: Partial<Record<Algorithm, ScriptFn<CheckReply>>> = {};
  const define = (algorithm: Algorithm): ScriptFn<CheckReply> => {
    const [name, body] = CHECK_COMMANDS[algorithm];
    client.defineCommand(name, { numberOfKeys: 3, lua: `local algorithm = '${algorithm}'\n${prelude}${body}` });
    return (checkFns[algorithm] = (client as unknown as ScriptClient)[name]!.bind(client) as ScriptFn<CheckReply>);
  };
  define(defaultAlgorithm);
  return {
    check(algorithm, key, limit, windowMs, cost) {
      // Not via keysOf: the hot path builds only the three keys it sends.
      const tag = tagOf(key);
      return (checkFns[algorithm] ?? define(algorithm))(tag + BLOCK_SUFFIX, tag + LIMIT_SUFFIX, tag + COUNTER_SUFFIX[algorithm], limit, windowMs, cost);
    },
  };
}

export function defineCounterScripts(client: Redis | Cluster): CounterScripts {
  client.defineCommand("rlPeek", { numberOfKeys: 5, lua: peek });
  client.defineCommand("rlReset", { numberOfKeys: 5, lua: reset });
  const commands = client as unknown as ScriptClient;
  const allKeys = (key: string) => {
    const keys = keysOf(key);
    const c = keys.counter;
    return [keys.limit, c["fixed-window"], c["sliding-window"], c["sliding-log"], c.gcra];
  };
  return {
    peek: (key, limit, windowMs, algorithm) => (commands.rlPeek! as ScriptFn<PeekReply>)(...allKeys(key), limit, windowMs, algorithm),
    reset: (key, windowMs) => (commands.rlReset! as ScriptFn<number>)(...allKeys(key), windowMs),
  };
}
