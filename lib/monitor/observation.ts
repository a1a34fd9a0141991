// Observing a subject within a deadline, and what the core makes of an observation that failed:
// an `error` event every cycle and, once it persists, a ticket of its own on resource `cluster`.
import { isOperatorError } from "../cli/errors.ts";
import type { Invariant, Subject, Violation } from "../subject/subject.ts";

/** The core's own invariant: the subject could be observed at all. */
export const OBSERVATION_FAILED = "observation_failed";

export interface ObservationFailure {
  message: string;
  /** The deadline passed before the subject answered. */
  timedOut: boolean;
  /** Nothing of the subject could be reached (a deadline, or the subject said so): exit 3 for `--once`. */
  unreachable: boolean;
  error: unknown;
}

export type Observed<O> = { ok: true; observation: O } | { ok: false; failure: ObservationFailure };

/** Grace of `observation_failed`: a few cycles, so one slow answer is an event, not a ticket (ms). */
export const observationFailedGraceMs = (intervalMs: number): number => Math.max(10_000, 3 * intervalMs);

export const observationFailedInvariant: Omit<Invariant, "check" | "graceMs"> = {
  name: OBSERVATION_FAILED,
  severity: "critical",
  description:
    "The operator could not observe the subject at all for several cycles (nothing answered, or the observation took longer than its deadline). " +
    "Every other invariant is unknown meanwhile: their tickets are neither opened nor resolved until observation works again.",
};

/**
 * Runs `subject.observe` with a deadline. The subject gets a signal that fires at the deadline or
 * on shutdown; a subject that ignores it is abandoned at the deadline all the same.
 */
export async function observeWithin<O>(subject: Subject<O>, timeoutMs: number, signal: AbortSignal): Promise<Observed<O>> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const combined = AbortSignal.any([signal, deadline]);
  let abandon: (() => void) | undefined;
  const abandoned = new Promise<never>((_, reject) => {
    abandon = () => reject(combined.reason);
    combined.addEventListener("abort", abandon, { once: true });
  });
  abandoned.catch(() => {});
  try {
    return { ok: true, observation: await Promise.race([subject.observe(combined), abandoned]) };
  } catch (error) {
    const timedOut = deadline.aborted && !signal.aborted;
    const message = timedOut
      ? `observing ${subject.name} took longer than ${timeoutMs} ms`
      : error instanceof Error ? error.message : String(error);
    return { ok: false, failure: { message, timedOut, unreachable: timedOut || (isOperatorError(error) && error.exitCode === 3), error } };
  } finally {
    if (abandon) combined.removeEventListener("abort", abandon);
  }
}

export function failedObservation(subjectName: string, failure: ObservationFailure): Violation {
  return {
    invariant: OBSERVATION_FAILED,
    resource: "cluster",
    severity: observationFailedInvariant.severity,
    message: `cannot observe ${subjectName}: ${failure.message}`,
    evidence: { error: failure.message, timed_out: failure.timedOut },
  };
}
