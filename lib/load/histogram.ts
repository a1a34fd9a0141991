// A fixed-size latency histogram in the HDR style: 3 significant digits from 1 µs to ~71 minutes,
// constant memory however many values it records (no list of samples).

/** Values below this are exact; above, each power-of-two range is split into `HALF` linear buckets. */
const SUB_BUCKETS = 2048;
const HALF = SUB_BUCKETS / 2;
/** Largest shift: values up to 2^32 µs (~71 min); anything larger is clamped there. */
const MAX_SHIFT = 21;
const MAX_VALUE_US = 2 ** 32 - 1;
const SLOTS = SUB_BUCKETS + MAX_SHIFT * HALF;

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export class Histogram {
  private readonly counts = new Float64Array(SLOTS);
  count = 0;
  private sumUs = 0;
  private minUs = Number.POSITIVE_INFINITY;
  private maxUs = 0;

  /** Records one value in microseconds (negative values count as 0). */
  record(valueUs: number): void {
    const v = Math.min(MAX_VALUE_US, Math.max(0, Math.round(valueUs)));
    this.counts[slotOf(v)]! += 1;
    this.count += 1;
    this.sumUs += v;
    if (v < this.minUs) this.minUs = v;
    if (v > this.maxUs) this.maxUs = v;
  }

  /** The value (µs) at or below which `ratio` (0..1) of the recorded values fall; 0 when empty. */
  valueAt(ratio: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(ratio * this.count));
    let seen = 0;
    for (let slot = 0; slot < SLOTS; slot++) {
      seen += this.counts[slot]!;
      if (seen >= rank) return Math.min(highestEquivalent(slot), this.maxUs);
    }
    return this.maxUs;
  }

  get maxValueUs(): number {
    return this.maxUs;
  }

  get meanUs(): number {
    return this.count === 0 ? 0 : this.sumUs / this.count;
  }

  add(other: Histogram): void {
    for (let slot = 0; slot < SLOTS; slot++) this.counts[slot]! += other.counts[slot]!;
    this.count += other.count;
    this.sumUs += other.sumUs;
    this.minUs = Math.min(this.minUs, other.minUs);
    this.maxUs = Math.max(this.maxUs, other.maxUs);
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sumUs = 0;
    this.minUs = Number.POSITIVE_INFINITY;
    this.maxUs = 0;
  }

  /** The usual percentiles in milliseconds, rounded to the microsecond. */
  percentilesMs(): Percentiles {
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      p50: ms(this.valueAt(0.5)),
      p90: ms(this.valueAt(0.9)),
      p99: ms(this.valueAt(0.99)),
      p999: ms(this.valueAt(0.999)),
      max: ms(this.maxUs),
      mean: ms(this.meanUs),
    };
  }
}

function slotOf(valueUs: number): number {
  if (valueUs < SUB_BUCKETS) return valueUs;
  // valueUs < 2^32, so clz32 gives the exact highest bit; the sub-bucket lands in [HALF, SUB_BUCKETS).
  const shift = 31 - Math.clz32(valueUs) - 10;
  const sub = Math.floor(valueUs / 2 ** shift);
  return SUB_BUCKETS + (shift - 1) * HALF + (sub - HALF);
}

/** The largest value that falls into `slot`. */
function highestEquivalent(slot: number): number {
  if (slot < SUB_BUCKETS) return slot;
  const shift = Math.floor((slot - SUB_BUCKETS) / HALF) + 1;
  const sub = ((slot - SUB_BUCKETS) % HALF) + HALF;
  return (sub + 1) * 2 ** shift - 1;
}
