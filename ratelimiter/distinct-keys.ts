// How many distinct keys a node checked over the last window (`ratelimiter_active_counters`), in
// 8 KiB whatever the key count: linear counting over a bitmap of hashed keys. Two bitmaps rotate
// like the hot-key sketch; the estimate is over their union.

const BITS = 1 << 16;

export class DistinctKeys {
  private current = new Uint32Array(BITS / 32);
  private previous = new Uint32Array(BITS / 32);
  private rotateAt: number;

  constructor(
    private readonly windowMs: number,
    now: number,
  ) {
    this.rotateAt = now + windowMs;
  }

  record(key: string, now: number): void {
    if (now >= this.rotateAt) this.rotate(now);
    const bit = Bun.hash.crc32(key) & (BITS - 1);
    this.current[bit >>> 5]! |= 1 << (bit & 31);
  }

  estimate(now: number): number {
    if (now >= this.rotateAt) this.rotate(now);
    let zeros = 0;
    for (let i = 0; i < this.current.length; i++) zeros += 32 - popcount(this.current[i]! | this.previous[i]!);
    if (zeros === 0) return BITS; // saturated: at least this many
    return zeros === BITS ? 0 : Math.round(-BITS * Math.log(zeros / BITS));
  }

  private rotate(now: number): void {
    this.previous = now >= this.rotateAt + this.windowMs ? new Uint32Array(BITS / 32) : this.current;
    this.current = new Uint32Array(BITS / 32);
    this.rotateAt = now + this.windowMs;
  }
}

function popcount(word: number): number {
  word -= (word >>> 1) & 0x55555555;
  word = (word & 0x33333333) + ((word >>> 2) & 0x33333333);
  return (((word + (word >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
