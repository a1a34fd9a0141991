// Which key each request carries: uniform, zipf or one hot key over `--keys N`, from a seeded
// generator so that the same seed gives the same key sequence. O(1) memory for any N.

export type KeyDistribution = "uniform" | "zipf" | "hot";
export const KEY_DISTRIBUTIONS = ["uniform", "zipf", "hot"] as const;

export interface KeySpec {
  count: number;
  distribution: KeyDistribution;
  prefix: string;
  seed: number;
  /** zipf: P(rank k) ∝ k^-exponent. */
  zipfExponent: number;
  /** hot: the share (0..1) of requests that go to key 0. */
  hotShare: number;
  /** Every request carries exactly this key (the rest of the spec is ignored). */
  only?: string;
}

/** mulberry32: a small, fast 32-bit generator; plenty for choosing keys. Returns [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A function that returns the next key of the sequence. */
export function keyChooser(spec: KeySpec): () => string {
  if (spec.only !== undefined) {
    const only = spec.only;
    return () => only;
  }
  const random = seededRandom(spec.seed);
  const index = indexChooser(spec, random);
  return () => `${spec.prefix}${index()}`;
}

function indexChooser(spec: KeySpec, random: () => number): () => number {
  const n = Math.max(1, Math.floor(spec.count));
  switch (spec.distribution) {
    case "uniform":
      return () => Math.floor(random() * n);
    case "hot":
      return () => (n === 1 || random() < spec.hotShare ? 0 : 1 + Math.floor(random() * (n - 1)));
    case "zipf": {
      const sample = zipfSampler(n, spec.zipfExponent, random);
      return () => sample() - 1;
    }
  }
}

/**
 * Rejection-inversion sampling of a Zipf distribution over 1..n (Hörmann and Derflinger, 1996):
 * constant memory and time whatever n is, unlike a table of cumulative weights.
 */
export function zipfSampler(n: number, exponent: number, random: () => number): () => number {
  const s = exponent;
  const expm1OverX = (x: number) => (Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x / 2);
  const log1pOverX = (x: number) => (Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x / 2);
  const h = (x: number) => Math.exp(-s * Math.log(x));
  const hIntegral = (x: number) => {
    const logX = Math.log(x);
    return expm1OverX((1 - s) * logX) * logX;
  };
  const hIntegralInverse = (x: number) => {
    const t = Math.max(-1, x * (1 - s));
    return Math.exp(log1pOverX(t) * x);
  };
  const hIntegralX1 = hIntegral(1.5) - 1;
  const hIntegralN = hIntegral(n + 0.5);
  const squeeze = 2 - hIntegralInverse(hIntegral(2.5) - h(2));
  return () => {
    for (;;) {
      const u = hIntegralN + random() * (hIntegralX1 - hIntegralN);
      const x = hIntegralInverse(u);
      const k = Math.min(n, Math.max(1, Math.floor(x + 0.5)));
      if (k - x <= squeeze || u >= hIntegral(k + 0.5) - h(k)) return k;
    }
  };
}
