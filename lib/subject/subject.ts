// The subject protocol: how the core sees any distributed system it watches. No subject's words here.
import type * as v from "valibot";
import type { FaultDefinition } from "../chaos/fault.ts";
import type { OptionTable } from "../cli/config.ts";
import type { DeploymentDefinition } from "../cluster/deployment.ts";
import type { WorkloadDefinition } from "../load/workload.ts";
import type { DemoPlan, Scenario } from "../scenario/scenario.ts";
import type { Variation } from "../scenario/scenario-variant.ts";

export type Severity = "info" | "warning" | "critical";
export type Risk = "low" | "medium" | "high";

/**
 * A typed resource string, `<kind>:<id>` or a bare kind (`node:b`, `key:user:42`, `member:m1`,
 * `cluster`): DESIGN.md lists each subject's kinds. The core only compares these strings.
 */
export type Resource = string;

/** One broken invariant on one resource. `invariant:resource` is its identity (one ticket). */
export interface Violation {
  invariant: string;
  resource: Resource;
  severity: Severity;
  message: string;
  /** Plain JSON the person and the diagnosis read: the observed figures behind the message. */
  evidence: Record<string, unknown>;
}

export const violationKey = (v: Pick<Violation, "invariant" | "resource">) => `${v.invariant}:${v.resource}`;

export interface Invariant<O = unknown> {
  name: string;
  severity: Severity;
  /** A violation opens a ticket only after it held this long (like a Prometheus alert's `for:`), ms. */
  graceMs: number;
  /** What it means and why it matters, for a person and an LLM. */
  description: string;
  check(observation: O, now: number): Violation[];
}

export interface ActionDefinition<P = any> {
  name: string;
  description: string;
  /** Validates params at the edge (CLI, LLM tool call); rendered as JSON Schema for LLM tools. */
  params: v.GenericSchema<unknown, P>;
  risk: Risk;
  /** `tool`: read-only, runs in any mode. `action`: changes the system, passes the gate. */
  kind: "action" | "tool";
}

/** An expected outcome, not an exception: a failed action says whether a retry can help. */
export interface ActionResult {
  ok: boolean;
  message: string;
  retryable: boolean;
  data?: unknown;
}

export interface RecommendedAction {
  name: string;
  params: Record<string, unknown>;
  why: string;
}

/** What a diagnosis rule proposes: one root cause that explains some of the open violations. */
export interface Hypothesis {
  /** A resource string (`node:b`, `cluster`). */
  component: Resource;
  /** From the subject's closed list of fault classes (e.g. `process_down`, `network_latency`). */
  faultClass: string;
  summary: string;
  /** 0..1 */
  confidence: number;
  evidence: string[];
  /** Keys (`invariant:resource`) of the violations this cause explains. */
  explains: string[];
  actions: RecommendedAction[];
}

export interface DiagnosisInput<O = unknown> {
  violations: Violation[];
  observation: O;
  /** Recent observations, oldest first, for rules that look at change over time. */
  history: { at: number; observation: O }[];
  now: number;
}

export interface DiagnosisRule<O = unknown> {
  name: string;
  description: string;
  evaluate(input: DiagnosisInput<O>): Hypothesis[];
}

/** A connected subject: observe, check, act. */
export interface Subject<O = unknown> {
  name: string;
  observe(signal: AbortSignal): Promise<O>;
  /**
   * Parts of an observation that could not be read (a member answering garbage): each becomes an
   * `error` event of the monitor while the rest of the observation is still checked.
   */
  observationErrors?(observation: O): string[];
  invariants: Invariant<O>[];
  actions(): ActionDefinition[];
  execute(name: string, params: unknown, signal: AbortSignal): Promise<ActionResult>;
  diagnosisRules: DiagnosisRule<O>[];
  /** The closed list of fault classes its diagnoses may name (an incident keeps `unknown` for any other). */
  faultClasses?: readonly string[];
  close(): Promise<void>;
}

export interface SubjectContext {
  stateDir: string;
  /**
   * Restarts one part (by the id a person types, e.g. a node's) of the local deployment recorded
   * in the state dir; rejects when there is none. Given by the command; absent in plain library use.
   */
  restartPart?(part: string, signal: AbortSignal): Promise<void>;
}

/** What the registry loads: a subject's static description and how to connect to one. */
export interface SubjectPlugin<O = any> {
  name: string;
  description: string;
  /** The subject's own flags for `monitor`, `diagnose`, … (e.g. `--targets`). */
  options: OptionTable;
  /** Static lists for `operator subjects`, without connecting. */
  invariants: Invariant<O>[];
  actionDefinitions: ActionDefinition[];
  open(options: Record<string, unknown>, context: SubjectContext): Promise<Subject<O>>;
  /** How `operator cluster up` runs it on this machine (optional). */
  deployment?: DeploymentDefinition;
  /** What `operator chaos` can break in that local deployment. */
  faults?: FaultDefinition[];
  /** What `operator loadgen` sends; the first one is the default. */
  workloads?: WorkloadDefinition[];
  /** `operator demo <subject>`: its deployment and chapters (scenarios that eval reuses). */
  demo?: DemoPlan;
  /** What `operator eval` runs, each on a fresh deployment (the demo's options, the scenario's own merged over them). */
  scenarios?: Scenario[];
  /** How `operator eval --vary` varies those scenarios, and what each variant must show. */
  variation?: Variation;
}
