// One measurement against one running server: saturation with wrk (after a discarded warm-up,
// on an emptied Redis, with the server's and Redis's CPU share) and the open-loop run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RedisServer } from "../test/fixtures/redis.ts";
import type { NodeCounts } from "./contenders.ts";
import type { OpenLoopReport } from "./open-loop.ts";
import type { Server } from "./processes.ts";
import { withCpuShare } from "./proc-stats.ts";
import type { BenchSettings } from "./settings.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

export interface Saturation extends WrkResult {
  /** For our node: answers it decided (200 or 429) per second, and what it shed or left to the fail policy. */
  decided?: { rps: number; fallback: number; shed: number };
  /** Share of one core used during the measurement (100 = one core busy). */
  cpu_pct: { server: number | null; redis: number | null };
  /** The server's CPU time per answered request, µs: steadier than req/s on a shared machine. */
  server_cpu_us_per_request: number | null;
}

/**
 * wrk against `server`. With `counts` (our node), throughput is what the node decided (200 or
 * 429) during the measured run, from its own counters: a 503 (shed, draining) is not a check.
 */
export async function measureSaturation(server: Server, redis: RedisServer, settings: BenchSettings, counts?: (url: string) => Promise<NodeCounts | null>): Promise<Saturation> {
  const wrk = { url: server.url, connections: settings.connections, threads: settings.threads, keys: settings.keys };
  await redis.cli("FLUSHALL");
  await runWrk({ ...wrk, durationS: settings.warmupS });
  await redis.cli("FLUSHALL");
  const before = counts ? await counts(server.url) : null;
  const { result, cpuPercent } = await withCpuShare({ server: server.pid, redis: redis.pid }, () => runWrk({ ...wrk, durationS: settings.durationS }));
  const after = counts ? await counts(server.url) : null;
  const serverPct = cpuPercent.server ?? null;
  const seconds = result.rps > 0 ? result.requests / result.rps : settings.durationS;
  const decided =
    before && after ? { rps: Math.round((after.decided - before.decided - (after.fallback - before.fallback)) / seconds), fallback: after.fallback - before.fallback, shed: after.shed - before.shed } : undefined;
  return {
    ...result,
    ...(decided ? { rps: Math.min(result.rps, decided.rps), decided } : {}),
    cpu_pct: { server: serverPct, redis: cpuPercent.redis ?? null },
    server_cpu_us_per_request: serverPct === null || result.rps === 0 ? null : Math.round((serverPct / 100) * (1e6 / result.rps)),
  };
}

/** The open-loop client: `operator loadgen` once it exists, else bench/open-loop.ts. */
export interface OpenLoopClient {
  name: string;
  run(url: string, settings: BenchSettings): Promise<OpenLoopReport>;
}

async function runJson(command: string[], what: string): Promise<unknown> {
  const proc = Bun.spawn(command, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const line = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${what} exited ${exitCode} without JSON: ${(stderr || stdout).trim().slice(-600)}`);
  }
}

export const benchOpenLoopClient: OpenLoopClient = {
  name: "bench/open-loop.ts",
  async run(url, settings) {
    const script = join(import.meta.dir, "open-loop.ts");
    const args = ["--url", url, "--rate", String(settings.openLoopRate), "--duration-ms", String(settings.openLoopDurationMs), "--keys", String(settings.keys)];
    return (await runJson(["bun", script, ...args], "bench/open-loop.ts")) as OpenLoopReport;
  },
};

/** The `operator loadgen --json` report, as far as the bench reads it. */
interface LoadgenReport {
  requests: number;
  achieved_rate: number;
  allowed: number;
  denied: number;
  errors: Record<string, number> & { total: number };
  latency_ms: { p50: number; p90: number; p99: number; p999: number; max: number };
  send_lag_ms: { p99: number; max: number };
}

export function operatorLoadgenClient(binary: string): OpenLoopClient {
  return {
    name: "operator loadgen",
    async run(url, settings) {
      const stateDir = mkdtempSync(join(tmpdir(), "operator-bench-loadgen-"));
      try {
        const args = [
          "loadgen", "--targets", url, "--rate", String(settings.openLoopRate), "--duration", `${settings.openLoopDurationMs}ms`,
          "--keys", String(settings.keys), "--key-dist", "uniform", "--key-prefix", "k", "--json", "--state-dir", stateDir,
        ];
        const report = (await runJson([binary, ...args], "operator loadgen")) as LoadgenReport;
        const { total, ...kinds } = report.errors;
        return {
          requests: report.requests,
          achieved_rate: Math.round(report.achieved_rate),
          allowed: report.allowed,
          denied: report.denied,
          errors: { status: 0, network: 0, timeout: 0, ...kinds },
          latency_ms: report.latency_ms,
          send_lag_ms: { p99: report.send_lag_ms.p99, max: report.send_lag_ms.max },
        };
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
      }
    },
  };
}

/** `operator loadgen` when the binary has it (unless BENCH_OPEN_LOOP=bench), else bench/open-loop.ts. */
export async function chooseOpenLoopClient(binary: string, preferBench: boolean): Promise<OpenLoopClient> {
  if (preferBench) return benchOpenLoopClient;
  try {
    const proc = Bun.spawn([binary, "loadgen", "--help"], { stdout: "ignore", stderr: "ignore", stdin: "ignore" });
    return (await proc.exited) === 0 ? operatorLoadgenClient(binary) : benchOpenLoopClient;
  } catch {
    return benchOpenLoopClient;
  }
}

export async function measureOpenLoop(server: Server, redis: RedisServer, settings: BenchSettings, client: OpenLoopClient): Promise<OpenLoopReport> {
  await redis.cli("FLUSHALL");
  return client.run(server.url, settings);
}
