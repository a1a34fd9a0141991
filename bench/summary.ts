// From the raw samples of every run to the report: medians across runs, ratios taken within
// each run (runs drift up to 1.6x, so only same-run ratios mean anything), and the targets.
import type { PeerId } from "./contenders.ts";
import type { Saturation } from "./measure.ts";
import type { OpenLoopReport } from "./open-loop.ts";
import type { MemoryMb } from "./proc-stats.ts";
import type { RedisBenchmarkResult } from "./redis-ceiling.ts";
import type { Algorithm } from "./settings.ts";
import { median, round } from "./stats.ts";

export interface OursSample {
  saturation: Saturation;
  openLoop: OpenLoopReport | null;
  memoryMb: MemoryMb | null;
  fallbackDecisions: number | null;
  /** Checks the node shed (503 overloaded) over its life in the bench. */
  shed: number | null;
}

type PeerSample = { saturation: Saturation; openLoop: OpenLoopReport | null; memoryMb: MemoryMb | null };

export interface RunSample {
  peers: Partial<Record<PeerId, PeerSample>>;
  /** Peer (d) running each algorithm's own script (the node's text). */
  peerD: Partial<Record<Algorithm, PeerSample>>;
  ours: Partial<Record<Algorithm, OursSample>>;
  redisCeiling: Partial<Record<Algorithm, RedisBenchmarkResult>>;
}

export interface Target {
  name: string;
  target: string;
  measured: number | null;
  unit: string;
  met: boolean;
}

const pick = <T>(items: Array<T | undefined>): T[] => items.filter((item): item is T => item !== undefined);

export function summarizeSaturation(samples: Saturation[]) {
  const at = (read: (sample: Saturation) => number | null) => median(samples.map(read));
  return {
    rps: round(at((s) => s.rps), 0),
    p50_ms: round(at((s) => s.p50_ms), 3),
    p99_ms: round(at((s) => s.p99_ms), 3),
    non_2xx: round(at((s) => s.non_2xx), 0),
    socket_errors: round(at((s) => s.socket_errors), 0),
    cpu_pct: { server: round(at((s) => s.cpu_pct.server), 0), redis: round(at((s) => s.cpu_pct.redis), 0) },
    server_cpu_us_per_request: round(at((s) => s.server_cpu_us_per_request), 0),
    rps_runs: samples.map((s) => s.rps),
  };
}

/** The largest VmRSS and VmHWM seen over runs, MB. */
export function peakMemory(samples: Array<MemoryMb | null | undefined>): MemoryMb | null {
  const seen = samples.filter((sample): sample is MemoryMb => !!sample);
  if (seen.length === 0) return null;
  return { rss: round(Math.max(...seen.map((m) => m.rss)), 1)!, hwm: round(Math.max(...seen.map((m) => m.hwm)), 1)! };
}

export function summarizeOpenLoop(reports: OpenLoopReport[]) {
  if (reports.length === 0) return null;
  const at = (read: (report: OpenLoopReport) => number | null) => round(median(reports.map(read)), 3);
  return {
    achieved_rate: round(at((r) => r.achieved_rate), 0),
    p50_ms: at((r) => r.latency_ms.p50),
    p90_ms: at((r) => r.latency_ms.p90),
    p99_ms: at((r) => r.latency_ms.p99),
    p999_ms: at((r) => r.latency_ms.p999),
    max_ms: at((r) => r.latency_ms.max),
    errors: reports.reduce((sum, r) => sum + Object.values(r.errors).reduce((a, b) => a + b, 0), 0),
    send_lag_p99_ms: at((r) => r.send_lag_ms.p99),
    p99_ms_runs: reports.map((r) => r.latency_ms.p99),
  };
}

/** The median over runs of ours/peer throughput, each ratio taken within one run. */
function sameRunRatio(runs: RunSample[], algorithm: Algorithm, reference: (run: RunSample) => number | undefined): number | null {
  return round(
    median(
      runs.map((run) => {
        const ours = run.ours[algorithm]?.saturation.rps;
        const theirs = reference(run);
        return ours !== undefined && theirs ? ours / theirs : null;
      }),
    ),
    3,
  );
}

export function summarizeAlgorithm(runs: RunSample[], algorithm: Algorithm) {
  const ours = pick(runs.map((run) => run.ours[algorithm]));
  const ceilings = pick(runs.map((run) => run.redisCeiling[algorithm]));
  return {
    ours: ours.length ? summarizeSaturation(ours.map((sample) => sample.saturation)) : null,
    redis_ceiling: ceilings.length
      ? { rps: round(median(ceilings.map((c) => c.rps)), 0), p50_ms: round(median(ceilings.map((c) => c.p50_ms)), 3), p99_ms: round(median(ceilings.map((c) => c.p99_ms)), 3) }
      : null,
    ratios: {
      vs_node_flexible: sameRunRatio(runs, algorithm, (run) => run.peers.node_flexible?.saturation.rps),
      vs_bun_ioredis_gcra: sameRunRatio(runs, algorithm, (run) => (run.peerD?.[algorithm] ?? run.peers.bun_ioredis_gcra)?.saturation.rps),
      of_http_ceiling: sameRunRatio(runs, algorithm, (run) => run.peers.http_ceiling?.saturation.rps),
      of_redis_ceiling: sameRunRatio(runs, algorithm, (run) => run.redisCeiling[algorithm]?.rps),
    },
    open_loop: summarizeOpenLoop(pick(ours.map((sample) => sample.openLoop ?? undefined))),
    memory_mb: peakMemory(ours.map((sample) => sample.memoryMb)),
    fallback_decisions: ours.reduce((sum, sample) => sum + (sample.fallbackDecisions ?? 0), 0),
    shed: ours.reduce((sum, sample) => sum + (sample.shed ?? 0), 0),
    bun_ioredis_same_script: summarizeSaturation(pick(runs.map((run) => run.peerD?.[algorithm]?.saturation))),
  };
}
export type AlgorithmSummary = ReturnType<typeof summarizeAlgorithm>;

export function evaluateTargets(results: Partial<Record<Algorithm, AlgorithmSummary>>, memoryHwmMb: number | null, startMs: number | null): Target[] {
  const targets: Target[] = [];
  const add = (name: string, target: string, measured: number | null, unit: string, met: (value: number) => boolean) =>
    targets.push({ name, target, measured, unit, met: measured !== null && met(measured) });
  for (const [algorithm, summary] of Object.entries(results) as Array<[Algorithm, AlgorithmSummary]>) {
    add(`${algorithm}: throughput vs (c) node:http + rate-limiter-flexible`, ">= 2.0x", summary.ratios.vs_node_flexible, "x", (v) => v >= 2);
    add(`${algorithm}: throughput vs (d) Bun.serve + ioredis + the same script`, ">= 1.0x", summary.ratios.vs_bun_ioredis_gcra, "x", (v) => v >= 1);
    add(`${algorithm}: throughput of (b) the HTTP ceiling`, ">= 0.5x", summary.ratios.of_http_ceiling, "x", (v) => v >= 0.5);
    add(`${algorithm}: checks decided by the fail policy or shed during the bench`, "= 0", summary.fallback_decisions + summary.shed, "", (v) => v === 0);
    add(`${algorithm}: p99 at 5,000 req/s open loop`, "< 2 ms", summary.open_loop?.p99_ms ?? null, "ms", (v) => v < 2);
  }
  add("resident memory at saturation (VmHWM, worst algorithm)", "< 100 MB", memoryHwmMb, "MB", (v) => v < 100);
  add("start to healthy (median)", "< 300 ms", startMs, "ms", (v) => v < 300);
  return targets;
}
