import { expect, test } from "bun:test";
import { createNodeMetrics } from "./metrics.ts";

test("histograms render cumulative buckets, sum and count; counters and gauges read the node at scrape time", async () => {
  let mode: "redis" | "local" = "redis";
  const metrics = createNodeMetrics({ mode: () => mode, isRedisConnected: () => mode === "redis", activeCounters: () => 7, isDraining: () => false });
  metrics.observeCheck(0.0003, true);
  metrics.observeCheck(0.002, false);
  metrics.observeCheck(2, true);
  metrics.countFallback("local");
  mode = "local";
  const lines = (await metrics.render()).split("\n");
  const pick = (prefix: string) => lines.filter((l) => l.startsWith(prefix));
  expect(pick("ratelimiter_check_duration_seconds")).toEqual([
    ...[["0.0001", 0], ["0.00025", 0], ["0.0005", 1], ["0.001", 1], ["0.0025", 2], ["0.005", 2], ["0.01", 2], ["0.025", 2], ["0.05", 2], ["0.1", 2], ["0.25", 2], ["0.5", 2], ["1", 2], ["+Inf", 3]].map(
      ([le, n]) => `ratelimiter_check_duration_seconds_bucket{le="${le}"} ${n}`,
    ),
    "ratelimiter_check_duration_seconds_sum 2.0023",
    "ratelimiter_check_duration_seconds_count 3",
  ]);
  expect(pick("ratelimiter_checks_total")).toEqual(['ratelimiter_checks_total{decision="allowed"} 2', 'ratelimiter_checks_total{decision="denied"} 1']);
  expect(pick("ratelimiter_fallback_decisions_total")).toContain('ratelimiter_fallback_decisions_total{policy="local"} 1');
  expect(pick("ratelimiter_mode")).toEqual([
    'ratelimiter_mode{mode="redis"} 0',
    'ratelimiter_mode{mode="fail-open"} 0',
    'ratelimiter_mode{mode="fail-closed"} 0',
    'ratelimiter_mode{mode="local"} 1',
  ]);
  expect(pick("ratelimiter_redis_connected ")).toEqual(["ratelimiter_redis_connected 0"]);
  expect(pick("ratelimiter_active_counters ")).toEqual(["ratelimiter_active_counters 7"]);
  // A second scrape does not count the same checks twice.
  metrics.observeCheck(0.001, true);
  expect((await metrics.render()).split("\n").filter((l) => l.startsWith("ratelimiter_checks_total"))).toEqual([
    'ratelimiter_checks_total{decision="allowed"} 3',
    'ratelimiter_checks_total{decision="denied"} 1',
  ]);
});
