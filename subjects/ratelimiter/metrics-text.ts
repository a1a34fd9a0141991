// Reading the few figures the operator needs from a node's Prometheus text, and the p99 of a
// latency histogram between two scrapes (cumulative buckets, as histogram_quantile does).
import { METRIC } from "./wire.ts";

/** Cumulative counts per bucket upper bound (seconds; `Infinity` for +Inf). */
export type Buckets = Map<number, number>;

export interface NodeMetrics {
  checkBuckets: Buckets;
  checksAllowed: number;
  checksDenied: number;
  redisErrors: number;
  fallbackDecisions: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/;

function labelsOf(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of (text ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[match[1]!] = match[2]!;
  return labels;
}

/** The operator's figures from a `/metrics` body; metrics it does not find count as zero. */
export function parseNodeMetrics(text: string): NodeMetrics {
  const metrics: NodeMetrics = { checkBuckets: new Map(), checksAllowed: 0, checksDenied: 0, redisErrors: 0, fallbackDecisions: 0 };
  for (const line of text.split("\n")) {
    if (!line.startsWith("ratelimiter_")) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const [, name, labelText, valueText] = match;
    const value = Number(valueText);
    if (!Number.isFinite(value)) continue;
    const labels = labelsOf(labelText);
    if (name === `${METRIC.checkDuration}_bucket` && labels.le !== undefined) {
      metrics.checkBuckets.set(labels.le === "+Inf" ? Infinity : Number(labels.le), value);
    } else if (name === METRIC.checks) {
      if (labels.decision === "allowed") metrics.checksAllowed = value;
      if (labels.decision === "denied") metrics.checksDenied = value;
    } else if (name === METRIC.redisErrors) {
      metrics.redisErrors = value;
    } else if (name === METRIC.fallbackDecisions) {
      metrics.fallbackDecisions += value;
    }
  }
  return metrics;
}

/** Bucket counts of `now` minus those of `before` (a node that restarted counts from zero). */
export function bucketDelta(now: Buckets, before: Buckets | undefined): Buckets {
  if (!before) return now;
  const restarted = [...now].some(([le, count]) => count < (before.get(le) ?? 0));
  if (restarted) return now;
  return new Map([...now].map(([le, count]) => [le, count - (before.get(le) ?? 0)]));
}

/**
 * The `q` quantile (0..1) in seconds, interpolated linearly inside its bucket like Prometheus'
 * histogram_quantile; undefined when there are fewer than `minCount` observations.
 */
export function quantileSeconds(buckets: Buckets, q: number, minCount = 1): number | undefined {
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total < minCount || total === 0) return undefined;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return lowerLe;
      const inBucket = count - lowerCount;
      return inBucket === 0 ? le : lowerLe + (le - lowerLe) * ((rank - lowerCount) / inBucket);
    }
    lowerLe = le;
    lowerCount = count;
  }
  return lowerLe;
}
