// One `loadgen` run from resolved options: check the targets, pace, run, report.
import { unreachableError, usageError } from "../cli/errors.ts";
import { acceptsTcp } from "../process/wait.ts";
import { keyChooser, type KeySpec } from "./keys.ts";
import { buildReport, type LoadReport } from "./report.ts";
import { runLoad } from "./runner.ts";
import { checkSchedule, type Schedule } from "./schedule.ts";
import type { SecondSnapshot } from "./stats.ts";
import type { Workload } from "./workload.ts";

export interface SessionOptions {
  schedule: Schedule;
  targets: string[];
  keys: KeySpec;
  workload: Workload;
  maxInFlight: number;
  connectionsPerTarget?: number;
  timeoutMs: number;
  maxErrorRate?: number;
  maxP99Ms?: number;
}

/** Send lag p99 above this, or any request dropped at the cap, means the generator could not keep up. */
export const SATURATION_LAG_MS = 10;

export interface SessionReport extends LoadReport {
  seed: number;
  key_dist: string;
  keys: number;
}

export async function runSession(options: SessionOptions, hooks: { signal?: AbortSignal; onSecond?: (s: SecondSnapshot) => void; note?: (text: string) => void } = {}): Promise<SessionReport> {
  const problem = checkSchedule(options.schedule);
  if (problem) throw usageError("invalid_schedule", `${problem}: see operator loadgen --help`);
  if (options.targets.length === 0) throw usageError("no_targets", "no targets: pass --targets http://host:port or start a cluster (operator cluster up)");
  const reachable = await Promise.all(options.targets.map((url) => acceptsTcp(Number(new URL(url).port || 80), new URL(url).hostname)));
  if (!reachable.some(Boolean)) {
    throw unreachableError("targets_unreachable", `no target accepts connections (${options.targets.join(", ")}): is the cluster up? (operator cluster status)`);
  }
  options.targets.forEach((url, i) => reachable[i] || hooks.note?.(`${url} refuses connections; its requests will count as errors`));
  const run = await runLoad(
    {
      schedule: options.schedule,
      targets: options.targets,
      nextKey: keyChooser(options.keys),
      workload: options.workload,
      maxInFlight: options.maxInFlight,
      connectionsPerTarget: options.connectionsPerTarget,
      timeoutMs: options.timeoutMs,
      lateThresholdMs: SATURATION_LAG_MS,
    },
    hooks,
  );
  const report = buildReport(run, options.schedule, { maxErrorRate: options.maxErrorRate, maxP99Ms: options.maxP99Ms, saturationLagMs: SATURATION_LAG_MS });
  return { ...report, seed: options.keys.seed, key_dist: options.keys.distribution, keys: options.keys.count };
}

/** One second of progress as a person reads it on a terminal. */
export function renderSecond(s: SecondSnapshot, faults: string[]): string {
  const tail = faults.length ? `  faults: ${faults.join(", ")}` : "";
  return `[${String(s.second).padStart(3)}s] sent ${s.sent}/s (due ${s.due})  allowed ${s.allowed}  denied ${s.denied}  errors ${s.errors}  p99 ${s.latencyP99Ms} ms  in flight ${s.inFlight}${tail}`;
}
