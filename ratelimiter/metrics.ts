// The node's Prometheus metrics, names spelled once. Each node has its own Registry, so several
// nodes can live in one process (tests) without sharing counters.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { FAIL_POLICIES, type FailPolicy, type NodeMode } from "./options.ts";

export const METRIC = {
  checkDuration: "ratelimiter_check_duration_seconds",
  checks: "ratelimiter_checks_total",
  activeCounters: "ratelimiter_active_counters",
  redisCommandDuration: "ratelimiter_redis_command_duration_seconds",
  redisErrors: "ratelimiter_redis_errors_total",
  redisConnected: "ratelimiter_redis_connected",
  fallbackDecisions: "ratelimiter_fallback_decisions_total",
  /** 1 for the mode the node is in, 0 for the others (label `mode`). */
  mode: "ratelimiter_mode",
  draining: "ratelimiter_draining",
} as const;

const MODES: readonly NodeMode[] = ["redis", "fail-open", "fail-closed", "local"];
const LATENCY_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** What the gauges read at scrape time. */
export interface NodeGauges {
  mode(): NodeMode;
  isRedisConnected(): boolean;
  activeCounters(): number;
  isDraining(): boolean;
}

export interface NodeMetrics {
  readonly contentType: string;
  observeCheck(seconds: number, allowed: boolean): void;
  observeRedisCall(seconds: number): void;
  countRedisError(): void;
  countFallback(policy: FailPolicy): void;
  render(): Promise<string>;
}

export function createNodeMetrics(gauges: NodeGauges): NodeMetrics {
  const registry = new Registry();
  const registers = [registry];
  const checkDuration = new Histogram({ name: METRIC.checkDuration, help: "Time to decide one check, seconds", buckets: LATENCY_BUCKETS_S, registers });
  const checks = new Counter({ name: METRIC.checks, help: "Checks decided, by decision (allowed, denied)", labelNames: ["decision"], registers });
  const allowed = checks.labels("allowed");
  const denied = checks.labels("denied");
  const redisDuration = new Histogram({ name: METRIC.redisCommandDuration, help: "Time of one Redis round trip (script, ping), seconds", buckets: LATENCY_BUCKETS_S, registers });
  const redisErrors = new Counter({ name: METRIC.redisErrors, help: "Redis calls that failed or timed out", registers });
  const fallbacks = new Counter({ name: METRIC.fallbackDecisions, help: "Checks decided without Redis, by fail policy", labelNames: ["policy"], registers });
  // inc(0): every series exists from the first scrape, so rate() sees the first fallback.
  const fallbackByPolicy = Object.fromEntries(FAIL_POLICIES.map((p) => [p, fallbacks.labels(p)])) as Record<FailPolicy, Counter.Internal>;
  for (const child of Object.values(fallbackByPolicy)) child.inc(0);
  allowed.inc(0);
  denied.inc(0);
  new Gauge({
    name: METRIC.redisConnected,
    help: "1 while the node reaches Redis, else 0",
    registers,
    collect() {
      this.set(gauges.isRedisConnected() ? 1 : 0);
    },
  });
  new Gauge({
    name: METRIC.activeCounters,
    help: "Distinct keys this node checked over the last window (estimate)",
    registers,
    collect() {
      this.set(gauges.activeCounters());
    },
  });
  new Gauge({
    name: METRIC.mode,
    help: "1 for the node's current mode (redis, fail-open, fail-closed, local), 0 for the others",
    labelNames: ["mode"],
    registers,
    collect() {
      const current = gauges.mode();
      for (const mode of MODES) this.labels(mode).set(mode === current ? 1 : 0);
    },
  });
  new Gauge({
    name: METRIC.draining,
    help: "1 while the node refuses checks (drain or shutdown)",
    registers,
    collect() {
      this.set(gauges.isDraining() ? 1 : 0);
    },
  });
  collectDefaultMetrics({ register: registry });

  return {
    contentType: registry.contentType,
    observeCheck(seconds, isAllowed) {
      checkDuration.observe(seconds);
      (isAllowed ? allowed : denied).inc();
    },
    observeRedisCall: (seconds) => redisDuration.observe(seconds),
    countRedisError: () => redisErrors.inc(),
    countFallback: (policy) => fallbackByPolicy[policy].inc(),
    render: () => registry.metrics(),
  };
}
