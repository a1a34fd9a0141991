// The node's Prometheus metrics, names spelled once. Each node has its own Registry, so several
// nodes can live in one process (tests) without sharing counters. The per-check series are kept
// in plain numbers on the hot path and handed to prom-client when it scrapes.
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
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
  /** Checks answered 503 overloaded past the in-flight bound: they admit and charge nothing. */
  shed: "ratelimiter_shed_total",
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
  countShed(): void;
  render(): Promise<string>;
}

/**
 * A histogram as cheap as a few additions per observation (prom-client's observe hashes labels
 * each time); prom-client reads it through its metric interface (name, help, type, get, reset).
 */
class LightHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }

  get() {
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += this.counts[i]!;
      values.push({ value: cumulative, labels: { le: bound }, metricName: `${this.name}_bucket` });
    });
    values.push({ value: this.count, labels: { le: "+Inf" }, metricName: `${this.name}_bucket` });
    values.push({ value: this.sum, labels: {}, metricName: `${this.name}_sum` });
    values.push({ value: this.count, labels: {}, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.counts = new Float64Array(this.bounds.length + 1);
    this.sum = 0;
    this.count = 0;
  }
}

export function createNodeMetrics(gauges: NodeGauges): NodeMetrics {
  const registry = new Registry();
  const registers = [registry];
  const checkDuration = new LightHistogram(METRIC.checkDuration, "Time to decide one check, seconds", LATENCY_BUCKETS_S);
  const redisDuration = new LightHistogram(METRIC.redisCommandDuration, "Time of one Redis round trip (script, ping), seconds", LATENCY_BUCKETS_S);
  registry.registerMetric(checkDuration as never);
  registry.registerMetric(redisDuration as never);
  const decided = { allowed: 0, denied: 0 };
  const reported = { allowed: 0, denied: 0 };
  new Counter({
    name: METRIC.checks,
    help: "Checks decided, by decision (allowed, denied)",
    labelNames: ["decision"],
    registers,
    collect() {
      for (const decision of ["allowed", "denied"] as const) {
        this.labels(decision).inc(decided[decision] - reported[decision]);
        reported[decision] = decided[decision];
      }
    },
  });
  const shed = new Counter({ name: METRIC.shed, help: "Checks shed with 503 overloaded past the in-flight bound (--max-in-flight)", registers });
  shed.inc(0);
  const redisErrors = new Counter({ name: METRIC.redisErrors, help: "Redis calls that failed or timed out", registers });
  const fallbacks = new Counter({ name: METRIC.fallbackDecisions, help: "Checks decided without Redis, by fail policy", labelNames: ["policy"], registers });
  // inc(0): every series exists from the first scrape, so rate() sees the first fallback.
  const fallbackByPolicy = Object.fromEntries(FAIL_POLICIES.map((p) => [p, fallbacks.labels(p)])) as Record<FailPolicy, Counter.Internal>;
  for (const child of Object.values(fallbackByPolicy)) child.inc(0);
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
      if (isAllowed) decided.allowed += 1;
      else decided.denied += 1;
    },
    observeRedisCall: (seconds) => redisDuration.observe(seconds),
    countRedisError: () => redisErrors.inc(),
    countFallback: (policy) => fallbackByPolicy[policy].inc(),
    countShed: () => shed.inc(),
    render: () => registry.metrics(),
  };
}
