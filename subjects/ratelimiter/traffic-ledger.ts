// Per-key traffic over time, summed over nodes, from what an outside observer can read: each
// node's hot-keys report (checks, allowed, denied per key over its last one or two windows).
//
// Successive reports of one node are differenced into increments. The node rotates its two
// windows on its own clock, unseen from outside; across a rotation the difference can only
// undercount (the dropped window is subtracted), so increments are clamped at zero and every
// total below is a lower bound: what it reports as admitted was admitted at least. A span sums
// only increments whose whole interval lies inside it, so a limit that holds over every window
// can never look broken; a burst of 2× the limit across a fixed-window edge, which lands inside
// one or two cycles, shows whole.

export interface HotKeyReading {
  key: string;
  checks: number;
  allowed: number;
  denied: number;
}

interface Increment {
  fromMs: number;
  toMs: number;
  checks: number;
  allowed: number;
  denied: number;
}

export interface SpanTotals {
  checks: number;
  allowed: number;
  denied: number;
  /** How much of the span the increments cover (ms); less than the span while the ledger warms up. */
  coveredMs: number;
}

export class TrafficLedger {
  private readonly last = new Map<string, { at: number; reading: HotKeyReading }>();
  private readonly increments = new Map<string, Increment[]>();
  /** Per node: when its last report came, and whether it listed every key the node tracks. */
  private readonly reports = new Map<string, { at: number; complete: boolean }>();

  /** @param retainMs how far back spans may reach (the longest window the caller will ask about, twice) */
  constructor(private readonly retainMs: number) {}

  /**
   * Records one node's report at `at` (ms). `complete`: the report lists every key the node tracks
   * (fewer than asked for), so a key missing from it had no traffic there. A key seen for the first
   * time counts from zero after a complete report, and is only a baseline otherwise.
   */
  record(nodeId: string, at: number, readings: HotKeyReading[], complete: boolean): void {
    const previous = this.reports.get(nodeId);
    this.reports.set(nodeId, { at, complete });
    const prefix = `${nodeId}\u0000`;
    const seen = new Set<string>();
    for (const reading of readings) {
      const id = prefix + reading.key;
      seen.add(id);
      const before = this.last.get(id) ?? (previous?.complete ? { at: previous.at, reading: { key: reading.key, checks: 0, allowed: 0, denied: 0 } } : undefined);
      this.last.set(id, { at, reading });
      if (!before || before.at >= at) continue;
      const list = this.increments.get(reading.key) ?? [];
      list.push({
        fromMs: before.at,
        toMs: at,
        checks: Math.max(0, reading.checks - before.reading.checks),
        allowed: Math.max(0, reading.allowed - before.reading.allowed),
        denied: Math.max(0, reading.denied - before.reading.denied),
      });
      this.increments.set(reading.key, list);
    }
    // A key that left an incomplete report starts from a new baseline when it comes back.
    for (const id of this.last.keys()) if (id.startsWith(prefix) && !seen.has(id)) this.last.delete(id);
    this.prune(at);
  }

  /** Totals for `key` over `(now - spanMs, now]`, summed over nodes. */
  totals(key: string, spanMs: number, now: number): SpanTotals {
    const start = now - spanMs;
    const totals: SpanTotals = { checks: 0, allowed: 0, denied: 0, coveredMs: 0 };
    let earliest = now;
    for (const inc of this.increments.get(key) ?? []) {
      if (inc.fromMs < start || inc.toMs > now) continue;
      totals.checks += inc.checks;
      totals.allowed += inc.allowed;
      totals.denied += inc.denied;
      earliest = Math.min(earliest, inc.fromMs);
    }
    totals.coveredMs = now - earliest;
    return totals;
  }

  /** Checks per key over `(now - spanMs, now]`, for every key with an increment inside the span. */
  checksByKey(spanMs: number, now: number): Map<string, number> {
    const found = new Map<string, number>();
    for (const key of this.increments.keys()) {
      const inside = (this.increments.get(key) ?? []).filter((i) => i.fromMs >= now - spanMs && i.toMs <= now);
      if (inside.length > 0) found.set(key, inside.reduce((sum, i) => sum + i.checks, 0));
    }
    return found;
  }

  /** How much of `(now - spanMs, now]` the increments cover (ms): from the earliest one inside it; 0 with none. */
  coveredMs(spanMs: number, now: number): number {
    let earliest = now;
    for (const list of this.increments.values()) for (const i of list) if (i.fromMs >= now - spanMs && i.toMs <= now) earliest = Math.min(earliest, i.fromMs);
    return now - earliest;
  }

  private prune(now: number): void {
    for (const [key, list] of this.increments) {
      const kept = list.filter((i) => i.toMs > now - this.retainMs);
      if (kept.length === 0) this.increments.delete(key);
      else this.increments.set(key, kept);
    }
  }
}
