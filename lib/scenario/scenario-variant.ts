// A scenario's variants: the same fault story at another size, under another load, on another
// target or another deployment choice. What varies is generic (a fault param that is a size, the
// background rate, a target param); what a variant must then show is the subject's to say, from its
// invariants' written thresholds, before the variant runs.
import type { Expectation, RemedyStep, Scenario, Workload } from "./scenario.ts";

/**
 * `magnitude`: a fault's size halved and doubled (its latency, rate or lease); `load`: the
 * background rate ×0.3 and ×3; `keys`: ten times the background's keys; `target`: another node or
 * member; `algorithm`: another value of the deployment choice the subject names.
 */
export const VARIANT_KINDS = ["magnitude", "load", "keys", "target", "algorithm"] as const;
export type VariantKind = (typeof VARIANT_KINDS)[number];

/** The pseudo-param of a fault step that stands for its lease (`durationMs`) among `Variation.sizes`. */
export const LEASE = "duration";

/** What a variant must show: the tickets (or none) and why, declared before it runs. */
export interface VariantExpectation {
  expect: Expectation;
  /** `detect`: the expected tickets open; `silent`: the fault is under every threshold it touches, and no ticket may open. */
  outcome: "detect" | "silent";
  /** The thresholds and figures the outcome was computed from, in words. */
  reason: string;
  /** The remedy when it differs from the scenario's (steps for a component the variant no longer breaks left out). */
  remedy?: RemedyStep[];
}

/** Where a variant runs: its deployment (the demo's and the scenario's options merged) and its background load. */
export interface VariantContext {
  deployment: Record<string, string>;
  background?: Workload;
  /** The subject's options while watched (`monitor` flags, as typed), e.g. a latency threshold. */
  watch: Record<string, string>;
  graceScale: number;
  intervalMs: number;
}

/** One change to a scenario. */
export interface VariantChange {
  kind: VariantKind;
  /** Short, for run names: `<param>=<value>`, `load-x3`, `keys-x10`. */
  label: string;
  /** For people: `<fault> <param> <from> -> <to>`. */
  description: string;
}

/** A scenario as varied, before its expectation is set. */
export interface VariedScenario {
  base: Scenario;
  /** The scenario with the change applied (faults, deployment, workload; resources renamed for a target change). */
  scenario: Scenario;
  /** The background load of the variant, when it differs from the base's. */
  background?: Workload;
  change: VariantChange;
}

/** How a subject's scenarios vary, and what each variant must then show. */
export interface Variation {
  /** Per fault name, its params that are sizes (durations or numbers), `duration` for the lease itself. */
  sizes: Record<string, string[]>;
  /** Fault params that name a target: every value the deployment has, and the resource type it appears as (`node` in `node:b`). */
  targets: Record<string, { values: string[]; resource: string }>;
  /** The deployment option whose other values make the `algorithm` variants, and those values. */
  choice?: { option: string; values: string[] };
  /**
   * What the variant must show, computed from the invariants' thresholds; `skip` when the subject
   * cannot predict it (the variant is then listed as skipped, with the reason).
   */
  expect(variant: VariedScenario, context: VariantContext): VariantExpectation | { skip: string };
}
