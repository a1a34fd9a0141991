// Counter increases over recent observations: how many leader changes and failed proposals the
// members counted lately. A single observation cannot say "flapping"; a short memory can.

/** Per-member counter values of one observation; null where the member did not answer. */
export interface CounterSample {
  at: number;
  members: Record<string, { leaderChanges: number | null; proposalsFailed: number | null }>;
}

export interface WindowedCount {
  windowMs: number;
  /** Leader changes: the most any member saw (each sees the same elections). Failed proposals: the sum. */
  total: number;
  byMember: Record<string, number>;
}

export interface RecentChanges {
  /** How much history the counts rest on, ms; 0 on the first observation (nothing can be counted yet). */
  historyMs: number;
  leaderChanges: WindowedCount;
  proposalsFailed: WindowedCount;
}

export interface RecentWindows {
  leaderChangesMs: number;
  proposalsFailedMs: number;
}

/** Sum of rises between consecutive values; a drop is a restart, which counts its new value (as Prometheus `increase`). */
export function counterIncrease(values: number[]): number {
  let total = 0;
  for (let i = 1; i < values.length; i += 1) {
    const [previous, current] = [values[i - 1]!, values[i]!];
    total += current >= previous ? current - previous : current;
  }
  return total;
}

function countWithin(samples: CounterSample[], now: number, windowMs: number, pick: (c: CounterSample["members"][string]) => number | null) {
  // The last sample before the window is the baseline of the first rise inside it.
  const firstInside = samples.findIndex((s) => s.at >= now - windowMs);
  const from = firstInside <= 0 ? 0 : firstInside - 1;
  const considered = firstInside === -1 ? [] : samples.slice(from);
  const names = new Set(considered.flatMap((s) => Object.keys(s.members)));
  const byMember: Record<string, number> = {};
  for (const name of names) {
    const values = considered.map((s) => (s.members[name] ? pick(s.members[name]!) : null)).filter((v): v is number => v !== null);
    byMember[name] = counterIncrease(values);
  }
  return byMember;
}

/** Pure: the counts over each window ending at `now`, from samples oldest first. */
export function summarizeRecent(samples: CounterSample[], now: number, windows: RecentWindows): RecentChanges {
  const leader = countWithin(samples, now, windows.leaderChangesMs, (c) => c.leaderChanges);
  const failed = countWithin(samples, now, windows.proposalsFailedMs, (c) => c.proposalsFailed);
  return {
    historyMs: samples.length > 0 ? now - samples[0]!.at : 0,
    leaderChanges: { windowMs: windows.leaderChangesMs, total: Math.max(0, ...Object.values(leader)), byMember: leader },
    proposalsFailed: { windowMs: windows.proposalsFailedMs, total: Object.values(failed).reduce((a, b) => a + b, 0), byMember: failed },
  };
}

/** The memory a connected subject keeps between observations: samples within the longest window. */
export function createCounterHistory(windows: RecentWindows) {
  const keepMs = Math.max(windows.leaderChangesMs, windows.proposalsFailedMs);
  let samples: CounterSample[] = [];
  return {
    record(sample: CounterSample): RecentChanges {
      // Keep one sample older than the window as the baseline of the rises inside it.
      samples = [...samples, sample];
      const firstInside = samples.findIndex((s) => s.at >= sample.at - keepMs);
      if (firstInside > 1) samples = samples.slice(firstInside - 1);
      return summarizeRecent(samples, sample.at, windows);
    },
  };
}
