// A latency judged over several readings, never one: the median of the last few within a span.
// A slow link or a slow Redis is slow on every round trip, so it moves the median; a scheduling
// hiccup, a GC pause or a first connection is slow once, and the median ignores it.

/** What a window says now: its median and how many readings stand behind it. */
export interface WindowedValue {
  median: number;
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
   * `id` at `at`, and returns the window over its recent readings (its median may be Infinity).
   */
  add(id: string, value: number | undefined, at: number): WindowedValue | undefined {
    const kept = (this.readings.get(id) ?? []).filter((r) => r.at > at - this.options.spanMs);
    const last = kept.at(-1);
    if (value !== undefined && !(this.options.sameWhenEqual && value !== Infinity && last?.value === value)) kept.push({ at, value });
    const recent = kept.slice(-this.options.maxSamples);
    this.readings.set(id, recent);
    return recent.length ? { median: median(recent.map((r) => r.value)), samples: recent.length } : undefined;
  }
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
