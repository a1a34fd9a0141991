// What a load run counts, per target and in total: outcomes, errors by kind, latency histograms,
// and a one-second window for live progress. Fixed size whatever the run's length.
import { Histogram, type Percentiles } from "./histogram.ts";

export const ERROR_KINDS = ["timeout", "refused", "reset", "http_5xx", "http_4xx", "other"] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];
export type Outcome = "allowed" | "denied" | ErrorKind;

export type ErrorCounts = Record<ErrorKind, number>;

const zeroErrors = (): ErrorCounts => ({ timeout: 0, refused: 0, reset: 0, http_5xx: 0, http_4xx: 0, other: 0 });

export class OutcomeCounts {
  requests = 0;
  allowed = 0;
  denied = 0;
  errors = zeroErrors();
  readonly latency = new Histogram();

  record(outcome: Outcome, latencyUs: number): void {
    this.requests += 1;
    if (outcome === "allowed") this.allowed += 1;
    else if (outcome === "denied") this.denied += 1;
    else this.errors[outcome] += 1;
    this.latency.record(latencyUs);
  }

  get errorTotal(): number {
    return ERROR_KINDS.reduce((sum, kind) => sum + this.errors[kind], 0);
  }

  reset(): void {
    this.requests = 0;
    this.allowed = 0;
    this.denied = 0;
    this.errors = zeroErrors();
    this.latency.reset();
  }
}

/** One second of a run, for progress lines and NDJSON events. */
export interface SecondSnapshot {
  /** 1-based: the n-th second since the start. */
  second: number;
  sent: number;
  /** Requests the schedule asked for in that second. */
  due: number;
  completed: number;
  allowed: number;
  denied: number;
  errors: number;
  latencyP99Ms: number;
  inFlight: number;
}

export function errorKindOfStatus(status: number): ErrorKind {
  if (status >= 500) return "http_5xx";
  if (status >= 400) return "http_4xx";
  return "other";
}

export type { Percentiles };
