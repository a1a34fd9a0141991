// The open-loop runner: requests leave when the pacer says, whatever the responses do. Latency
// counts from each request's intended send time (no coordinated omission); the loop sleeps
// between sends (no busy-waiting) and drops, rather than queues, what the in-flight cap refuses.
import { dueAtMs, expectedCount, plannedRequests } from "./pacer.ts";
import type { Schedule } from "./schedule.ts";
import { OutcomeCounts, errorKindOfStatus, type SecondSnapshot } from "./stats.ts";
import { Histogram } from "./histogram.ts";
import { HttpPool } from "./http-client.ts";
import type { Workload } from "./workload.ts";

export interface LoadPlan {
  schedule: Schedule;
  /** Base URLs, used round robin. */
  targets: string[];
  nextKey: () => string;
  workload: Workload;
  maxInFlight: number;
  /** Open connections per target at most; past them requests wait their turn (default 256). */
  connectionsPerTarget?: number;
  timeoutMs: number;
  /** A request sent this much later than intended is counted late. */
  lateThresholdMs: number;
}

export interface LoadRun {
  startedAt: Date;
  elapsedMs: number;
  /** The time over which requests were sent: the duration, or longer when the generator fell behind. */
  sendWindowMs: number;
  planned: number;
  sent: number;
  dropped: number;
  late: number;
  interrupted: boolean;
  total: OutcomeCounts;
  perTarget: Map<string, OutcomeCounts>;
  sendLag: Histogram;
}

export interface LoadHooks {
  signal?: AbortSignal;
  /** Called once a second with that second's figures. */
  onSecond?: (snapshot: SecondSnapshot) => void;
}

/** Sends at most this many requests per wake-up before yielding, so answers are read even when behind. */
const MAX_BATCH = 256;

export async function runLoad(plan: LoadPlan, hooks: LoadHooks = {}): Promise<LoadRun> {
  const { schedule, workload } = plan;
  const targets = plan.targets.map((url) => ({ url: url.replace(/\/+$/, ""), counts: new OutcomeCounts(), pool: new HttpPool(url, plan.timeoutMs, plan.connectionsPerTarget) }));
  const run: LoadRun = {
    startedAt: new Date(),
    elapsedMs: 0,
    sendWindowMs: schedule.durationMs,
    planned: plannedRequests(schedule),
    sent: 0,
    dropped: 0,
    late: 0,
    interrupted: false,
    total: new OutcomeCounts(),
    perTarget: new Map(targets.map((t) => [t.url, t.counts])),
    sendLag: new Histogram(),
  };
  const window = new OutcomeCounts();
  let windowSent = 0;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const start = performance.now();

  const fire = (index: number, dueMs: number) => {
    const target = targets[index % targets.length]!;
    const request = workload.request(plan.nextKey());
    const intended = start + dueMs;
    const lagMs = performance.now() - intended;
    run.sendLag.record(lagMs * 1000);
    if (lagMs > plan.lateThresholdMs) run.late += 1;
    run.sent += 1;
    windowSent += 1;
    inFlight += 1;
    const settle = (outcome: Parameters<OutcomeCounts["record"]>[0]) => {
      const latencyUs = (performance.now() - intended) * 1000;
      target.counts.record(outcome, latencyUs);
      run.total.record(outcome, latencyUs);
      window.record(outcome, latencyUs);
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    };
    target.pool.send(request, (answer) =>
      settle("status" in answer ? workload.classify(answer.status) ?? errorKindOfStatus(answer.status) : answer.error),
    );
  };

  let second = 0;
  const tick = () => {
    second += 1;
    const due = Math.min(run.planned, Math.ceil(expectedCount(schedule, second * 1000))) - Math.min(run.planned, Math.ceil(expectedCount(schedule, (second - 1) * 1000)));
    hooks.onSecond?.({
      second,
      sent: windowSent,
      due,
      completed: window.requests,
      allowed: window.allowed,
      denied: window.denied,
      errors: window.errorTotal,
      latencyP99Ms: Math.round(window.latency.valueAt(0.99)) / 1000,
      inFlight,
    });
    window.reset();
    windowSent = 0;
  };
  const ticker = setInterval(tick, 1000);

  try {
    let index = 0;
    let dueMs = 0;
    while (index < run.planned) {
      if (hooks.signal?.aborted) {
        run.interrupted = true;
        break;
      }
      const nowMs = performance.now() - start;
      if (dueMs > nowMs) {
        await sleep(dueMs - nowMs);
        continue;
      }
      for (let batch = 0; batch < MAX_BATCH && index < run.planned && dueMs <= nowMs; batch++) {
        if (inFlight >= plan.maxInFlight) run.dropped += 1;
        else fire(index, dueMs);
        index += 1;
        dueMs = dueAtMs(schedule, index, dueMs);
      }
      if (dueMs <= performance.now() - start) await sleep(0);
    }
    const sentForMs = performance.now() - start;
    run.sendWindowMs = run.interrupted ? sentForMs : Math.max(schedule.durationMs, sentForMs);
    if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
  } finally {
    clearInterval(ticker);
    for (const target of targets) target.pool.close();
  }
  // The last, partial second, so that the seconds add up to the whole run.
  if (windowSent > 0 || window.requests > 0) tick();
  run.elapsedMs = performance.now() - start;
  return run;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
