// The bench's one JSON document: settings, references, our node per algorithm with same-run
// ratios, open loop, memory, start time, binary size and the targets met or missed.
import { PEERS } from "./contenders.ts";
import type { Machine } from "./machine.ts";
import type { ScriptCall } from "./redis-ceiling.ts";
import type { Algorithm, BenchSettings } from "./settings.ts";
import { median, round } from "./stats.ts";
import { evaluateTargets, peakMemory, summarizeAlgorithm, summarizeOpenLoop, summarizeSaturation, type RunSample } from "./summary.ts";

export interface ReportInputs {
  settings: BenchSettings;
  machine: Machine;
  openLoopClient: string;
  oursAvailable: boolean;
  runs: RunSample[];
  scriptCalls: Map<Algorithm, ScriptCall>;
  startSamples: StartSamples;
  binaryBytes: number | null;
  notes: string[];
}

export interface StartSamples {
  /** ms from spawning `ratelimiter serve` to its first 200 from /health */
  healthy: number[];
  /** ms of `operator --version`: what the binary costs before any node code runs */
  version: number[];
}

export function buildReport(inputs: ReportInputs) {
  const { settings, runs } = inputs;
  const notes = [...inputs.notes];
  const results: Partial<Record<Algorithm, ReturnType<typeof summarizeAlgorithm> & { redis_commands_per_check: number | null; redis_ceiling_command: string[] | null; redis_ceiling_script_loaded: boolean | null }>> = {};
  for (const algorithm of inputs.oursAvailable ? settings.algorithms : []) {
    const call = inputs.scriptCalls.get(algorithm);
    const summary = summarizeAlgorithm(runs, algorithm);
    results[algorithm] = {
      ...summary,
      redis_commands_per_check: call?.commandsPerCheck.length ?? null,
      redis_ceiling_command: call?.evalsha ?? null,
      redis_ceiling_script_loaded: call?.shaMatchesSource ?? null,
    };
    if (call?.shaMatchesSource === false) notes.push(`${algorithm}: the SHA the node sends is none of the scripts ratelimiter/algorithms/scripts.ts defines in this tree (a binary built from another tree?); (a) ran the node's SHA`);
    if (summary.shed > 0) notes.push(`${algorithm}: ${summary.shed} checks were shed (503 overloaded): not counted as throughput`);
    if (summary.fallback_decisions > 0) notes.push(`${algorithm}: ${summary.fallback_decisions} checks were decided by the fail policy, not by Redis: its figures flatter it`);
    if (call && !call.evalsha) notes.push(`${algorithm}: no EVALSHA seen for one check, so no Redis ceiling (commands: ${JSON.stringify(call.commandsPerCheck).slice(0, 300)})`);
  }
  const peers = Object.fromEntries(
    PEERS.map((peer) => [
      peer.id,
      {
        label: peer.label,
        ...summarizeSaturation(runs.flatMap((run) => run.peers[peer.id]?.saturation ?? [])),
        memory_mb: peakMemory(runs.map((run) => run.peers[peer.id]?.memoryMb)),
      },
    ]),
  );
  const peerOpenLoop = (id: "http_ceiling" | "bun_ioredis_gcra") => summarizeOpenLoop(runs.flatMap((run) => run.peers[id]?.openLoop ?? []));
  const clientFloor = peerOpenLoop("http_ceiling");
  if (clientFloor?.p99_ms !== null && clientFloor?.p99_ms !== undefined && clientFloor.p99_ms >= 2) {
    notes.push(
      `open loop: ${inputs.openLoopClient} itself shows p99 ${clientFloor.p99_ms} ms (send lag p99 ${clientFloor.send_lag_p99_ms} ms) against the bare server (b), so it cannot judge the < 2 ms target on this machine now`,
    );
  }
  const memories = Object.values(results).flatMap((result) => (result?.memory_mb ? [result.memory_mb] : []));
  const memory = memories.length ? { rss: Math.max(...memories.map((m) => m.rss ?? 0)), hwm: Math.max(...memories.map((m) => m.hwm ?? 0)) } : null;
  const startMedian = round(median(inputs.startSamples.healthy), 1);
  return {
    machine: inputs.machine,
    runs: settings.runs,
    quick: settings.quick,
    settings: {
      connections: settings.connections,
      threads: settings.threads,
      warmup_s: settings.warmupS,
      duration_s: settings.durationS,
      keys: settings.keys,
      key_distribution: "uniform",
      limit: settings.limit,
      window_ms: settings.windowMs,
      open_loop_rate: settings.openLoopRate,
      open_loop_duration_ms: settings.openLoopDurationMs,
      open_loop_client: inputs.openLoopClient,
      redis_benchmark_requests: settings.redisBenchmarkRequests,
      node_flags: "defaults (--redis-timeout 50ms, --fail-policy open, --max-in-flight 1000); --default-limit, --window, --algorithm set",
    },
    peers,
    results,
    open_loop: { rate: settings.openLoopRate, client: inputs.openLoopClient, client_floor: clientFloor, bun_ioredis_gcra: peerOpenLoop("bun_ioredis_gcra") },
    memory_mb: memory,
    start_ms: inputs.startSamples.healthy.length
      ? { median: startMedian, samples: inputs.startSamples.healthy, version_median: round(median(inputs.startSamples.version), 1), version_samples: inputs.startSamples.version }
      : null,
    binary_bytes: inputs.binaryBytes,
    targets: evaluateTargets(results, memory?.hwm ?? null, startMedian),
    notes,
  };
}
export type BenchReport = ReturnType<typeof buildReport>;
