// The pacer: when each request of an open-loop run is due, a pure function of the schedule.
// N(t) is how many requests are due by t (ms since start); request i is due at the first t with
// N(t) >= i, so request 0 leaves at once and the count never drifts however long the run.
import type { Schedule } from "./schedule.ts";

/** Requests due by `elapsedMs` (a real number; its floor + 1 have been due, counting request 0). */
export function expectedCount(schedule: Schedule, elapsedMs: number): number {
  const t = Math.max(0, elapsedMs);
  const base = baseCount(schedule, t);
  const burst = schedule.burst;
  if (!burst) return base;
  return base + (burst.factor - 1) * burstBaseCount(schedule, t);
}

/** The instantaneous rate (requests per second) at `elapsedMs`. */
export function rateAt(schedule: Schedule, elapsedMs: number): number {
  const { ratePerSec, rampMs, burst } = schedule;
  const ramp = rampMs > 0 ? Math.min(1, Math.max(0, elapsedMs) / rampMs) : 1;
  return ratePerSec * ramp * (burst && inBurst(burst, elapsedMs) ? burst.factor : 1);
}

/** When request `index` (0-based) is due, in ms since the start; `afterMs` is a lower bound (the previous one's). */
export function dueAtMs(schedule: Schedule, index: number, afterMs = 0): number {
  if (index <= 0) return 0;
  const stepMs = 1000 / schedule.ratePerSec;
  if (schedule.rampMs === 0 && !schedule.burst) return index * stepMs;
  let lo = Math.max(0, afterMs);
  if (expectedCount(schedule, lo) >= index) return lo;
  let hi = lo + stepMs;
  while (expectedCount(schedule, hi) < index) {
    lo = hi;
    hi += (hi - Math.max(0, afterMs)) * 2 || stepMs;
  }
  // Bisect to a microsecond: N is continuous and increasing, so [lo, hi) brackets the answer.
  while (hi - lo > 0.001) {
    const mid = (lo + hi) / 2;
    if (expectedCount(schedule, mid) >= index) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** How many requests the whole run sends: those due strictly before its end. */
export function plannedRequests(schedule: Schedule): number {
  const n = expectedCount(schedule, schedule.durationMs);
  // Round away float noise so that 1000/s for 1s is 1000, not 1001.
  const rounded = Math.round(n);
  return Math.abs(n - rounded) < 1e-6 ? rounded : Math.ceil(n);
}

function inBurst(burst: NonNullable<Schedule["burst"]>, t: number): boolean {
  return t >= 0 && t % burst.everyMs >= burst.everyMs - burst.lengthMs;
}

/** ∫0^t of the base rate (ramp included, bursts left out), in requests. */
function baseCount({ ratePerSec, rampMs }: Schedule, t: number): number {
  const perMs = ratePerSec / 1000;
  if (rampMs <= 0) return perMs * t;
  if (t <= rampMs) return (perMs * t * t) / (2 * rampMs);
  return perMs * (rampMs / 2 + (t - rampMs));
}

/** ∫ of the base rate over the burst windows within [0, t]. */
function burstBaseCount(schedule: Schedule, t: number): number {
  const { everyMs, lengthMs } = schedule.burst!;
  const firstStart = everyMs - lengthMs;
  if (t <= firstStart) return 0;
  const windows = Math.floor((t - firstStart) / everyMs) + 1;
  const full = (start: number, end: number) => baseCount(schedule, Math.min(t, end)) - baseCount(schedule, start);
  // Windows that start within the ramp are integrated exactly; past it each full one is rate × length.
  let sum = 0;
  let k = 0;
  for (; k < windows; k++) {
    const start = firstStart + k * everyMs;
    if (start >= schedule.rampMs) break;
    sum += full(start, start + lengthMs);
  }
  if (k >= windows) return sum;
  const lastStart = firstStart + (windows - 1) * everyMs;
  const fullAfterRamp = windows - 1 - k;
  sum += fullAfterRamp * (schedule.ratePerSec / 1000) * lengthMs;
  return sum + full(lastStart, lastStart + lengthMs);
}
