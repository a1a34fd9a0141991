// A latency judged over several readings, never one: the latency that every one of the last few
// readings but one reached (the second fastest). A slow link or a slow Redis is slow on every round
// trip, so all its readings cross a budget; a busy machine's scheduling delays, a GC pause or a first
// connection spike some readings (measured on fresh nodes of a loaded 2-core machine: 8-26 ms spikes
// among ~1 ms readings, up to two in five), which a median of five can still trip on and this cannot.

/** What a window says now: the latency every reading but one reached, and how many readings stand behind it. */
export interface WindowedValue {
  allButOne: number;
  samples: number;
}

export interface SampleWindowOptions {
  /** Readings older than this are dropped (ms). */
  spanMs: number;
  /** At most this many of the newest readings count. */
  maxSamples: number;
  /**
   * A reading equal to the one before it is the same measurement read twice (a node reports its
   * last probe until the next one: observing faster than it probes reads one probe several times).
   * Timeouts (Infinity) carry no value to compare and always count.
   */
  sameWhenEqual: boolean;
}

export class SampleWindow {
  private readonly readings = new Map<string, { at: number; value: number }[]>();

  constructor(private readonly options: SampleWindowOptions) {}

  /**
   * Adds `value` (ms; Infinity: no answer within the timeout; undefined: no reading this time) for
   * `id` at `at`, and returns the window over its recent readings (its value may be Infinity).
   */
  add(id: string, value: number | undefined, at: number): WindowedValue | undefined {
    const kept = (this.readings.get(id) ?? []).filter((r) => r.at > at - this.options.spanMs);
    const last = kept.at(-1);
    if (value !== undefined && !(this.options.sameWhenEqual && value !== Infinity && last?.value === value)) kept.push({ at, value });
    const recent = kept.slice(-this.options.maxSamples);
    this.readings.set(id, recent);
    return recent.length ? { allButOne: secondLeast(recent.map((r) => r.value)), samples: recent.length } : undefined;
  }
}

/** The second smallest value (the only one, for a single value): what every value but one reaches. */
export function secondLeast(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(1, sorted.length - 1)]!;
}
