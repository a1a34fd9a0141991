// A scenario: one fault story told once, shared by demo chapters and eval runs:
// the workload, the fault(s), what must be detected, the root cause, and the remedy that counts.

/** One chaos fault as `operator chaos <fault>` takes it: flags by name (`node`, `latency`, `mode`). */
export interface FaultStep {
  fault: string;
  params: Record<string, string>;
  durationMs: number;
}

/** A loadgen profile, as `operator loadgen` flags (without targets, which come from the deployment). */
export interface Workload {
  rate: number;
  keys: number;
  keyDist?: "uniform" | "zipf" | "hot";
  keyPrefix?: string;
  cost?: number;
  burst?: string;
}

export interface Detection {
  invariant: string;
  resource: string;
}

export interface RemedyStep {
  action: string;
  params: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  subject: string;
  title: string;
  /** What a person watching the demo is told before the step runs. */
  narration: string;
  /** Deployment options for a fresh cluster (`cluster up` flags by name), e.g. `{algorithm: "fixed-window"}`. */
  deployment?: Record<string, string>;
  workload?: Workload;
  /** No faults: a control run, where every ticket is a false positive. */
  faults: FaultStep[];
  expect: {
    /** Every one of these must be opened as a ticket within `deadlineMs` of the injection. */
    detections: Detection[];
    deadlineMs: number;
    /** Root-cause components the diagnosis must name (one per fault for compound scenarios). */
    components: string[];
    /** Other names accepted for a component (`db` for `db:primary`). */
    aliases?: Record<string, string[]>;
    /** From the subject's closed list of fault classes. */
    faultClass: string;
  };
  /** Actions that count as a remedy, judged by end state: every invariant clear after they ran. */
  remedy?: RemedyStep[];
}

/** Does `named` (a diagnosis's component) match `expected`, directly or through an alias? */
export function isSameComponent(expected: string, named: string, aliases: Record<string, string[]> = {}): boolean {
  return named === expected || (aliases[expected] ?? []).includes(named);
}
