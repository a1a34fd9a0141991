// A scenario's load: an open-loop lib/load session against the deployment, run until stopped,
// reporting each second as a `traffic` event (what was sent, allowed, denied, failed).
import { runSession } from "../load/session.ts";
import { parseBurst } from "../load/schedule.ts";
import type { SecondSnapshot } from "../load/stats.ts";
import type { WorkloadDefinition } from "../load/workload.ts";
import type { Workload } from "./scenario.ts";

/** Long enough for any scenario: a load runs until it is stopped. */
const OPEN_ENDED_MS = 6 * 3_600_000;

export interface LoadHandle {
  name: string;
  /** The last full second, once there is one. */
  latest: SecondSnapshot | undefined;
  /** Resolves when the load has stopped (after `stop`, an interrupt, or an error). */
  done: Promise<void>;
  stop(): Promise<void>;
}

export interface LoadContext {
  targets: string[];
  definition: WorkloadDefinition;
  signal: AbortSignal;
  emit(type: string, data: Record<string, unknown>): void;
}

export function startLoad(name: string, workload: Workload, context: LoadContext): LoadHandle {
  const stop = new AbortController();
  const handle: LoadHandle = { name, latest: undefined, done: Promise.resolve(), stop: async () => {
    stop.abort();
    await handle.done;
  } };
  const keys = {
    count: workload.keys ?? 1,
    distribution: workload.keyDist ?? "uniform",
    prefix: workload.keyPrefix ?? `${name}-`,
    seed: 1,
    zipfExponent: 1.1,
    hotShare: 0.5,
    ...(workload.key !== undefined ? { only: workload.key } : {}),
  };
  handle.done = runSession(
    {
      schedule: { ratePerSec: workload.rate, durationMs: OPEN_ENDED_MS, rampMs: 0, burst: workload.burst ? parseBurst(workload.burst) : undefined },
      targets: context.targets,
      keys,
      workload: context.definition.create({ cost: workload.cost ?? 1 }),
      maxInFlight: 512,
      timeoutMs: 2_000,
    },
    {
      signal: AbortSignal.any([stop.signal, context.signal]),
      onSecond: (s) => {
        handle.latest = s;
        context.emit("traffic", { load: name, second: s.second, sent: s.sent, allowed: s.allowed, denied: s.denied, errors: s.errors, p99_ms: s.latencyP99Ms });
      },
    },
  ).then(
    () => undefined,
    (error) => context.emit("error", { source: "load", load: name, message: error instanceof Error ? error.message : String(error) }),
  );
  return handle;
}
