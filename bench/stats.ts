// Order statistics for the bench: percentiles of samples and medians across runs.

/** The q-quantile (0..1) of sorted `values` by nearest rank; NaN when empty. */
export function quantileSorted(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return Number.NaN;
  const rank = Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1));
  return values[rank]!;
}

/** The median of `values`, ignoring null/NaN; null when nothing is left. */
export function median(values: Array<number | null | undefined>): number | null {
  const kept = values.filter((value): value is number => typeof value === "number" && !Number.isNaN(value)).sort((a, b) => a - b);
  if (kept.length === 0) return null;
  const middle = kept.length >> 1;
  return kept.length % 2 === 1 ? kept[middle]! : (kept[middle - 1]! + kept[middle]!) / 2;
}

/** Rounds to `digits` decimals, keeping null. */
export function round(value: number | null | undefined, digits = 2): number | null {
  if (value === null || value === undefined || Number.isNaN(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
