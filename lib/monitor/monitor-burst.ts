// `monitor --once` judges a short burst of samples, not one: it observes the subject every 250 ms
// for 2 s, then runs its one judged cycle. A subject whose invariants judge a window of readings (a
// median latency, a rate between two reports) has them by then; the first reading after a start
// (a cold connection, a script loading) is one among several instead of the verdict.
import { observeWithin } from "./observation.ts";
import type { Subject } from "../subject/subject.ts";

export interface Burst {
  /** How long the burst samples before the judged cycle (ms). */
  spanMs: number;
  /** Time from the start of one sample to the next (ms). */
  everyMs: number;
}

export const ONCE_BURST: Burst = { spanMs: 2_000, everyMs: 250 };

/**
 * Observes `subject` every `burst.everyMs` (wall-clock time) until `burst.spanMs` has passed, and
 * returns what it saw, each stamped with `now()`. Stops at the first failed observation: the
 * judged cycle that follows reports it.
 */
export async function sampleBurst<O>(subject: Subject<O>, burst: Burst, observeTimeoutMs: number, signal: AbortSignal, now: () => number): Promise<{ at: number; observation: O }[]> {
  const seen: { at: number; observation: O }[] = [];
  const startedAt = performance.now();
  while (!signal.aborted && performance.now() - startedAt < burst.spanMs) {
    const sampleAt = performance.now();
    const at = now();
    const observed = await observeWithin(subject, Math.min(observeTimeoutMs, burst.spanMs), signal);
    if (!observed.ok) break;
    seen.push({ at, observation: observed.observation });
    const waitMs = Math.min(burst.everyMs - (performance.now() - sampleAt), burst.spanMs - (performance.now() - startedAt));
    if (waitMs > 0) await Bun.sleep(waitMs);
  }
  return seen;
}
