// One check: the algorithm's script on Redis (one round trip; a second only when an override names
// another algorithm), or the fail policy when Redis is slow, gone, or the breaker is open.
import type { CheckReply, CheckScripts } from "./algorithms/scripts.ts";
import type { LocalLimiter } from "./local-limiter.ts";
import { isAlgorithm, modeOfPolicy, type Algorithm, type NodeMode, type ResolvedNodeOptions } from "./options.ts";
import { RedisUnavailableError, type RedisGate } from "./redis-gate.ts";

export interface Decision {
  allowed: boolean;
  key: string;
  limit: number;
  remaining: number;
  /** ms until the whole limit is available again; -1 when unknown (a counter without expiry). */
  resetMs: number;
  /** 0 when allowed; ms until this cost would be allowed; -1 when waiting cannot help. */
  retryAfterMs: number;
  algorithm: Algorithm;
  windowMs: number;
  policy: "default" | "override";
  /** Who decided: Redis, or the fail policy. */
  mode: NodeMode;
  /** Set when the key is blocked (the block's reason, maybe empty). */
  blockReason?: string;
}

interface KnownOverride {
  limit: number;
  windowMs: number;
  algorithm: Algorithm;
}

export interface Checker {
  check(key: string, cost: number): Promise<Decision>;
  /** The limit the node applies to `key` when Redis is away: the last override seen, else the default. */
  knownLimit(key: string): { limit: number; windowMs: number; algorithm: Algorithm };
}

export interface CheckerDeps {
  scripts: CheckScripts;
  gate: RedisGate;
  options: ResolvedNodeOptions;
  local: LocalLimiter;
  /** Registered nodes, as last seen; the local policy splits the limit over them. */
  nodeCount(): number;
  /** Called once per decision: metrics, hot keys. */
  observe(decision: Decision, seconds: number): void;
  /** A Redis answer the node could not use (bad data in a key): logged, then the fail policy decides. */
  onDataError(error: unknown): void;
}

const MAX_KNOWN_OVERRIDES = 10_000;

export function createChecker(deps: CheckerDeps): Checker {
  const { scripts, gate, options } = deps;
  const { defaultLimit, windowMs, algorithm: defaultAlgorithm, failPolicy } = options;
  const fallbackMode = modeOfPolicy[failPolicy];
  // Text once, not per check: ioredis would convert the numbers on every call.
  const limitArg = String(defaultLimit);
  const windowArg = String(windowMs);
  // Overrides seen in Redis answers, so that the fail policy keeps honouring them while Redis is away.
  const known = new Map<string, KnownOverride>();

  // Callbacks and one promise per check, not async functions: each await is one more hop on the hot path.
  function viaRedis(key: string, cost: number, onDecision: (decision: Decision) => void, onFailure: (error: unknown) => void): void {
    gate.await(
      scripts.check(defaultAlgorithm, key, limitArg, windowArg, cost),
      (reply) => {
        if (reply[0] !== 3) return onDecision(toDecision(key, defaultAlgorithm, reply));
        // An override names another algorithm: run that one's script (rare, a second round trip).
        const named = reply[1];
        if (!isAlgorithm(named)) return onFailure(new Error(`the override of key "${key}" names an unknown algorithm "${named}"`));
        gate.await(
          scripts.check(named, key, limitArg, windowArg, cost),
          (again) => (again[0] === 3 ? onFailure(new Error(`the override of key "${key}" changed while it was read`)) : onDecision(toDecision(key, named, again))),
          onFailure,
        );
      },
      onFailure,
    );
  }

  function toDecision(key: string, algorithm: Algorithm, reply: Exclude<CheckReply, [3, string]>): Decision {
    const [decision, limit, remaining, resetMs, retryAfterMs, replyWindowMs, isOverride] = reply;
    if (isOverride === 1) {
      if (known.size >= MAX_KNOWN_OVERRIDES && !known.has(key)) known.delete(known.keys().next().value!);
      known.set(key, { limit, windowMs: replyWindowMs, algorithm });
    } else if (known.size > 0) {
      known.delete(key);
    }
    const result: Decision = {
      allowed: decision === 1,
      key,
      limit,
      remaining,
      resetMs,
      retryAfterMs,
      algorithm,
      windowMs: replyWindowMs,
      policy: isOverride === 1 ? "override" : "default",
      mode: "redis",
    };
    if (decision === 2) result.blockReason = reply[7];
    return result;
  }

  function viaFailPolicy(key: string, cost: number): Decision {
    const override = known.get(key);
    const limit = override?.limit ?? defaultLimit;
    const window = override?.windowMs ?? windowMs;
    const base = { key, limit, algorithm: override?.algorithm ?? defaultAlgorithm, windowMs: window, policy: override ? "override" : "default", mode: fallbackMode } as const;
    if (failPolicy === "open") return { ...base, allowed: true, remaining: Math.max(limit - cost, 0), resetMs: window, retryAfterMs: 0 };
    // closed: ask again once the breaker may probe Redis
    if (failPolicy === "closed") return { ...base, allowed: false, remaining: 0, resetMs: window, retryAfterMs: Math.max(options.probeIntervalMs, 1_000) };
    const local = deps.local.check(key, cost, limit, window, deps.nodeCount(), Date.now());
    return { ...base, allowed: local.allowed, remaining: local.remaining, resetMs: local.resetMs, retryAfterMs: local.retryAfterMs };
  }

  return {
    knownLimit: (key) => known.get(key) ?? { limit: defaultLimit, windowMs, algorithm: defaultAlgorithm },
    check(key, cost) {
      const startedAt = performance.now();
      const decided = (decision: Decision) => {
        deps.observe(decision, (performance.now() - startedAt) / 1000);
        return decision;
      };
      if (!gate.tryEnter()) return Promise.resolve(decided(viaFailPolicy(key, cost)));
      return new Promise<Decision>((resolve) => {
        const onFailure = (error: unknown) => {
          if (!(error instanceof RedisUnavailableError)) deps.onDataError(error);
          resolve(decided(viaFailPolicy(key, cost)));
        };
        viaRedis(key, cost, (decision) => resolve(decided(decision)), onFailure);
      });
    },
  };
}
