import { describe, expect, test } from "bun:test";
import { bucketDelta, parseNodeMetrics, quantileSeconds } from "./metrics-text.ts";

const text = `# HELP ratelimiter_check_duration_seconds Time to decide one check, seconds
# TYPE ratelimiter_check_duration_seconds histogram
ratelimiter_check_duration_seconds_bucket{le="0.001"} 90
ratelimiter_check_duration_seconds_bucket{le="0.01"} 99
ratelimiter_check_duration_seconds_bucket{le="0.1"} 100
ratelimiter_check_duration_seconds_bucket{le="+Inf"} 100
ratelimiter_check_duration_seconds_count 100
ratelimiter_checks_total{decision="allowed"} 70
ratelimiter_checks_total{decision="denied"} 30
ratelimiter_redis_errors_total 2
ratelimiter_fallback_decisions_total{policy="open"} 5
ratelimiter_fallback_decisions_total{policy="local"} 1
process_cpu_seconds_total 1.5
garbage line without value
`;

describe("node metrics", () => {
  test("reads the operator's figures and ignores everything else", () => {
    const m = parseNodeMetrics(text);
    expect({ ...m, checkBuckets: [...m.checkBuckets] }).toEqual({
      checkBuckets: [[0.001, 90], [0.01, 99], [0.1, 100], [Infinity, 100]],
      checksAllowed: 70, checksDenied: 30, redisErrors: 2, fallbackDecisions: 6,
    });
  });

  test("p99 interpolates inside its bucket, like histogram_quantile", () => {
    expect(quantileSeconds(parseNodeMetrics(text).checkBuckets, 0.99)).toBeCloseTo(0.01, 6);
    expect(quantileSeconds(parseNodeMetrics(text).checkBuckets, 0.5)).toBeCloseTo(0.001 * (50 / 90), 6);
  });

  test("too few observations give no quantile; a node that restarted counts from zero", () => {
    const buckets = parseNodeMetrics(text).checkBuckets;
    expect(quantileSeconds(buckets, 0.99, 101)).toBeUndefined();
    const later = new Map([[0.001, 90], [0.01, 99], [0.1, 150], [Infinity, 150]]);
    expect([...bucketDelta(later, buckets)]).toEqual([[0.001, 0], [0.01, 0], [0.1, 50], [Infinity, 50]]);
    const restarted = new Map([[0.001, 1], [0.01, 1], [0.1, 1], [Infinity, 1]]);
    expect(bucketDelta(restarted, buckets)).toBe(restarted);
  });
});
