// The report of a load run: the JSON shape of DESIGN.md (snake_case, ms) and its human table.
import type { LoadRun } from "./runner.ts";
import type { Schedule } from "./schedule.ts";
import { ERROR_KINDS, type ErrorCounts, type OutcomeCounts, type Percentiles } from "./stats.ts";

export interface Thresholds {
  /** Errors over requests (0..1) above which the run fails. */
  maxErrorRate?: number;
  maxP99Ms?: number;
  /** Send lag p99 above this means the generator itself could not keep up. */
  saturationLagMs: number;
}

export interface TargetReport {
  url: string;
  requests: number;
  allowed: number;
  denied: number;
  errors: number;
  latency_ms: Percentiles;
}

export interface LoadReport {
  started_at: string;
  duration_ms: number;
  /** --rate: the base rate, before any ramp or bursts. */
  target_rate: number;
  planned: number;
  /** planned / duration: the mean rate the schedule asks for, ramp and bursts included. */
  planned_rate: number;
  requests: number;
  achieved_rate: number;
  /** |achieved - planned_rate| / planned_rate, 0..1. */
  rate_error: number;
  allowed: number;
  denied: number;
  errors: ErrorCounts & { total: number };
  error_rate: number;
  latency_ms: Percentiles;
  send_lag_ms: Percentiles;
  late: number;
  dropped: number;
  generator_saturated: boolean;
  interrupted: boolean;
  targets: TargetReport[];
  /** Each threshold the run broke, in words; empty when it passed. */
  breaches: string[];
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

export function buildReport(run: LoadRun, schedule: Schedule, thresholds: Thresholds): LoadReport {
  const achievedRate = run.sent / (run.sendWindowMs / 1000);
  const plannedRate = run.planned / (schedule.durationMs / 1000);
  const errorTotal = run.total.errorTotal;
  const errorRate = run.total.requests === 0 ? 0 : errorTotal / run.total.requests;
  const lag = run.sendLag.percentilesMs();
  const latency = run.total.latency.percentilesMs();
  const saturated = lag.p99 > thresholds.saturationLagMs || run.dropped > 0;
  const breaches: string[] = [];
  if (saturated) {
    breaches.push(`the generator could not keep up: send lag p99 ${lag.p99} ms (limit ${thresholds.saturationLagMs} ms), ${run.late} late, ${run.dropped} dropped at the in-flight cap`);
  }
  if (thresholds.maxErrorRate !== undefined && errorRate > thresholds.maxErrorRate) {
    breaches.push(`error rate ${round(errorRate, 4)} is over --max-error-rate ${thresholds.maxErrorRate}`);
  }
  if (thresholds.maxP99Ms !== undefined && latency.p99 > thresholds.maxP99Ms) {
    breaches.push(`latency p99 ${latency.p99} ms is over --max-p99 ${thresholds.maxP99Ms} ms`);
  }
  return {
    started_at: run.startedAt.toISOString(),
    duration_ms: Math.round(run.elapsedMs),
    target_rate: schedule.ratePerSec,
    planned: run.planned,
    planned_rate: round(plannedRate, 1),
    requests: run.sent,
    achieved_rate: round(achievedRate, 1),
    rate_error: plannedRate === 0 ? 0 : round(Math.abs(achievedRate - plannedRate) / plannedRate, 4),
    allowed: run.total.allowed,
    denied: run.total.denied,
    errors: { ...run.total.errors, total: errorTotal },
    error_rate: round(errorRate, 4),
    latency_ms: latency,
    send_lag_ms: lag,
    late: run.late,
    dropped: run.dropped,
    generator_saturated: saturated,
    interrupted: run.interrupted,
    targets: [...run.perTarget].map(([url, counts]) => targetReport(url, counts)),
    breaches,
  };
}

function targetReport(url: string, counts: OutcomeCounts): TargetReport {
  return { url, requests: counts.requests, allowed: counts.allowed, denied: counts.denied, errors: counts.errorTotal, latency_ms: counts.latency.percentilesMs() };
}

export function renderReport(report: LoadReport): string {
  const errors = ERROR_KINDS.filter((k) => report.errors[k] > 0).map((k) => `${k} ${report.errors[k]}`).join(", ") || "none";
  const l = report.latency_ms;
  const lines = [
    `requests   ${report.requests} of ${report.planned} planned in ${(report.duration_ms / 1000).toFixed(1)}s, ${report.achieved_rate}/s (planned ${report.planned_rate}/s, error ${(report.rate_error * 100).toFixed(2)}%)`,
    `outcomes   allowed ${report.allowed}, denied ${report.denied}, errors ${report.errors.total} (${errors})`,
    `latency    p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, p99.9 ${l.p999} ms, max ${l.max} ms`,
    `send lag   p50 ${report.send_lag_ms.p50} ms, p99 ${report.send_lag_ms.p99} ms, late ${report.late}, dropped ${report.dropped}`,
    "targets",
    ...report.targets.map((t) => `  ${t.url}  ${t.requests} req, allowed ${t.allowed}, denied ${t.denied}, errors ${t.errors}, p99 ${t.latency_ms.p99} ms`),
  ];
  if (report.interrupted) lines.push("interrupted before the end of the run");
  lines.push(report.breaches.length ? `FAILED: ${report.breaches.join("; ")}` : "ok");
  return lines.join("\n");
}
