// What a bench run measures and for how long, from the environment (bench/ is a script, not
// lib/: it may read process.env). BENCH_QUICK=1 is a smoke test, not a measurement.
import { join } from "node:path";

export const ALGORITHMS = ["gcra", "sliding-log", "sliding-window", "fixed-window"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export interface BenchSettings {
  quick: boolean;
  runs: number;
  algorithms: Algorithm[];
  /** wrk: connections, threads, seconds of warm-up (discarded) and of measurement. */
  connections: number;
  threads: number;
  warmupS: number;
  durationS: number;
  /** Keys drawn uniformly from k0..k<keys-1> by every client. */
  keys: number;
  /** Every limiter admits `limit` per `windowMs`; high enough that nearly every check is allowed (each one writes). */
  limit: number;
  windowMs: number;
  openLoopRate: number;
  openLoopDurationMs: number;
  redisBenchmarkRequests: number;
  startSamples: number;
  binary: string;
  repoDir: string;
  resultsFile: string;
}

function positiveInt(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}="${text}" is not a positive integer`);
  return value;
}

export function readSettings(env: Record<string, string | undefined>): BenchSettings {
  const quick = env.BENCH_QUICK === "1";
  const repoDir = join(import.meta.dir, "..");
  const algorithms = (env.BENCH_ALGORITHMS ?? ALGORITHMS.join(","))
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of algorithms) {
    if (!(ALGORITHMS as readonly string[]).includes(name)) throw new Error(`BENCH_ALGORITHMS: "${name}" is not one of ${ALGORITHMS.join(", ")}`);
  }
  return {
    quick,
    runs: positiveInt(env, "BENCH_RUNS", quick ? 1 : 3),
    algorithms: algorithms as Algorithm[],
    connections: 64,
    threads: 2,
    warmupS: quick ? 1 : 2,
    durationS: positiveInt(env, "BENCH_DURATION", quick ? 2 : 7),
    keys: 10_000,
    limit: 1_000,
    windowMs: 60_000,
    openLoopRate: 5_000,
    openLoopDurationMs: quick ? 2_000 : 5_000,
    redisBenchmarkRequests: quick ? 30_000 : 100_000,
    startSamples: quick ? 3 : 7,
    binary: env.BENCH_BINARY ?? join(repoDir, "operator"),
    repoDir,
    resultsFile: join(repoDir, "bench", "results", "latest.json"),
  };
}
