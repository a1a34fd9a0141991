// Fail policy `local`: while Redis is away, each node decides alone with its share of the limit
// (limit / registered nodes, at least 1), so the cluster as a whole stays near the limit.
// GCRA on the node's clock (Redis's clock is out of reach), memory bounded by `maxKeys`.

export interface LocalDecision {
  allowed: boolean;
  /** This node's share of the limit. */
  share: number;
  remaining: number;
  resetMs: number;
  /** -1 when the cost exceeds the share: waiting cannot help. */
  retryAfterMs: number;
}

export const shareOf = (limit: number, nodeCount: number) => Math.max(1, Math.floor(limit / Math.max(1, nodeCount)));

export class LocalLimiter {
  /** Theoretical arrival time of the next unit, ms, per key. */
  private readonly tat = new Map<string, number>();

  constructor(private readonly maxKeys = 100_000) {}

  check(key: string, cost: number, limit: number, windowMs: number, nodeCount: number, now: number): LocalDecision {
    const share = shareOf(limit, nodeCount);
    const intervalMs = windowMs / share;
    const tat = Math.max(this.tat.get(key) ?? now, now);
    const remainingAt = (t: number) => Math.max(Math.floor((windowMs - (t - now)) / intervalMs), 0);
    if (cost > share) return { allowed: false, share, remaining: remainingAt(tat), resetMs: Math.ceil(tat - now), retryAfterMs: -1 };
    const next = tat + cost * intervalMs;
    if (next - now > windowMs) {
      return { allowed: false, share, remaining: remainingAt(tat), resetMs: Math.ceil(tat - now), retryAfterMs: Math.max(Math.ceil(next - now - windowMs), 1) };
    }
    if (!this.tat.has(key) && this.tat.size >= this.maxKeys) this.evict(now);
    this.tat.set(key, next);
    return { allowed: true, share, remaining: remainingAt(next), resetMs: Math.ceil(next - now), retryAfterMs: 0 };
  }

  /** Units taken (out of the share) and ms until they are all back (-2: no counter). */
  peek(key: string, limit: number, windowMs: number, nodeCount: number, now: number): { count: number; share: number; ttlMs: number } {
    const share = shareOf(limit, nodeCount);
    const tat = this.tat.get(key);
    if (tat === undefined || tat <= now) return { count: 0, share, ttlMs: -2 };
    return { count: Math.ceil((tat - now) / (windowMs / share) - 1e-9), share, ttlMs: Math.ceil(tat - now) };
  }

  /** Keys starting with `prefix`, at most `count`. */
  keys(prefix: string, count: number, now: number): string[] {
    const found: string[] = [];
    for (const [key, tat] of this.tat) {
      if (found.length >= count) break;
      if (tat > now && key.startsWith(prefix)) found.push(key);
    }
    return found;
  }

  get size(): number {
    return this.tat.size;
  }

  /** Drops keys whose allowance is whole again among the oldest few, else the oldest: O(1) per check. */
  private evict(now: number): void {
    let looked = 0;
    for (const [key, tat] of this.tat) {
      if (tat <= now) this.tat.delete(key);
      if (++looked === 64) break;
    }
    if (this.tat.size >= this.maxKeys) this.tat.delete(this.tat.keys().next().value!);
  }
}
