// The diagnosis: one root cause for a ticket, with its evidence, the alternatives ruled out and the
// actions recommended. One shape for every engine; `DiagnosisEngine` is the interface they share.
import * as v from "valibot";
import type { RecommendedAction, Resource, Subject, Violation } from "../subject/subject.ts";

export type EngineName = "builtin" | "llm";
export const ENGINE_NAMES: readonly EngineName[] = ["builtin", "llm"];

/** The ticket being diagnosed, as the engines need it (the ticket store may know more). */
export interface DiagnosisTicket {
  id: number;
  invariant: string;
  resource: Resource;
  severity: string;
  message?: string;
  evidence?: Record<string, unknown>;
}

export interface Alternative {
  component: Resource;
  faultClass: string;
  summary: string;
  /** 0..1 */
  confidence: number;
  whyRuledOut: string;
}

export interface Diagnosis {
  ticketId: number;
  engine: EngineName;
  /** The LLM's model, when the LLM answered. */
  model?: string;
  rootCause: { component: Resource; summary: string; confidence: number };
  faultClass: string;
  evidence: string[];
  alternatives: Alternative[];
  recommendedActions: RecommendedAction[];
  tookMs: number;
  /** Set when the requested engine failed and another answered: what failed and who answered. */
  fallback?: string;
  /** What the LLM spent on it (also when it failed and another engine answered); absent for the built-in engine. */
  usage?: LlmUsage;
}

/** Model turns (requests) and tokens (input plus output) of one LLM investigation. */
export interface LlmUsage {
  turns: number;
  tokens: number;
}

/** What a subject must offer to be diagnosed: its checks, rules, actions and read-only tools. */
export type DiagnosingSubject<O = unknown> = Pick<Subject<O>, "name" | "invariants" | "actions" | "execute" | "diagnosisRules" | "faultClasses">;

export interface DiagnosisRequest<O = unknown> {
  ticket: DiagnosisTicket;
  subject: DiagnosingSubject<O>;
  /** The subject's one-line description, for the LLM's prompt. */
  subjectDescription?: string;
  /** Every violation open in the latest check, the ticket's own among them when it still holds. */
  violations: Violation[];
  observation: O;
  /** Recent observations, oldest first. */
  history: { at: number; observation: O }[];
  now: number;
}

export interface DiagnosisEngine {
  readonly name: EngineName;
  diagnose<O>(request: DiagnosisRequest<O>, signal: AbortSignal): Promise<Diagnosis>;
}

// ---- the wire shape (--json, the `diagnosis` event, the state db) ---------------------------------

export interface DiagnosisJson {
  ticket_id: number;
  engine: EngineName;
  model?: string;
  root_cause: { component: string; summary: string; confidence: number };
  fault_class: string;
  evidence: string[];
  alternatives: { component: string; fault_class: string; summary: string; confidence: number; why_ruled_out: string }[];
  recommended_actions: RecommendedAction[];
  took_ms: number;
  fallback?: string;
  usage?: LlmUsage;
}

export const diagnosisJson = (d: Diagnosis): DiagnosisJson => ({
  ticket_id: d.ticketId,
  engine: d.engine,
  ...(d.model ? { model: d.model } : {}),
  root_cause: d.rootCause,
  fault_class: d.faultClass,
  evidence: d.evidence,
  alternatives: d.alternatives.map((a) => ({
    component: a.component,
    fault_class: a.faultClass,
    summary: a.summary,
    confidence: a.confidence,
    why_ruled_out: a.whyRuledOut,
  })),
  recommended_actions: d.recommendedActions,
  took_ms: d.tookMs,
  ...(d.fallback ? { fallback: d.fallback } : {}),
  ...(d.usage ? { usage: d.usage } : {}),
});

export const diagnosisFromJson = (j: DiagnosisJson): Diagnosis => ({
  ticketId: j.ticket_id,
  engine: j.engine,
  ...(j.model ? { model: j.model } : {}),
  rootCause: j.root_cause,
  faultClass: j.fault_class,
  evidence: j.evidence,
  alternatives: j.alternatives.map((a) => ({
    component: a.component,
    faultClass: a.fault_class,
    summary: a.summary,
    confidence: a.confidence,
    whyRuledOut: a.why_ruled_out,
  })),
  recommendedActions: j.recommended_actions,
  tookMs: j.took_ms,
  ...(j.fallback ? { fallback: j.fallback } : {}),
  ...(j.usage ? { usage: j.usage } : {}),
});

/** Human rendering for the terminal. */
export function renderDiagnosis(d: DiagnosisJson): string {
  const lines = [
    `ticket ${d.ticket_id}: ${d.root_cause.component} (${d.fault_class}), confidence ${d.root_cause.confidence} [${d.engine}${d.model ? ` ${d.model}` : ""}, ${d.took_ms} ms]`,
    `  ${d.root_cause.summary}`,
    ...(d.fallback ? [`  fallback: ${d.fallback}`] : []),
    ...(d.evidence.length ? ["  evidence:", ...d.evidence.map((e) => `    - ${e}`)] : []),
    ...(d.alternatives.length ? ["  ruled out:", ...d.alternatives.map((a) => `    - ${a.component} (${a.fault_class}): ${a.why_ruled_out}`)] : []),
    ...(d.recommended_actions.length
      ? ["  recommended:", ...d.recommended_actions.map((a) => `    - ${a.name} ${JSON.stringify(a.params)}: ${a.why}`)]
      : ["  recommended: nothing to run"]),
  ];
  return lines.join("\n");
}

// ---- what an LLM must submit -------------------------------------------------------------------

const ComponentText = v.pipe(
  v.string(),
  v.regex(/^[a-z][a-z0-9_-]*(:\S.*)?$/, "must be a resource such as node:<id>, key:<key> or cluster"),
  v.maxLength(300),
  v.description("the root-cause resource, in the vocabulary of the violations (e.g. node:<id>, key:<key>, cluster)"),
);
const ShortText = (what: string, max = 1000) => v.pipe(v.string(), v.minLength(1), v.maxLength(max), v.description(what));
const Confidence = v.pipe(v.number(), v.minValue(0), v.maxValue(1), v.description("0..1"));

/** The input of the `submit_diagnosis` tool (snake_case: it is on the wire). */
export const SubmittedDiagnosis = v.object({
  component: ComponentText,
  fault_class: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]*$/, "must be snake_case"), v.maxLength(80), v.description("short snake_case class of the fault")),
  summary: ShortText("one or two sentences: what is wrong and why"),
  confidence: Confidence,
  evidence: v.pipe(v.array(ShortText("one observed fact", 500)), v.maxLength(20), v.description("observed facts that support the root cause")),
  alternatives: v.optional(
    v.pipe(
      v.array(
        v.object({
          component: ComponentText,
          fault_class: v.pipe(v.string(), v.maxLength(80)),
          summary: ShortText("the alternative cause"),
          confidence: v.optional(Confidence),
          why_ruled_out: ShortText("the observed fact that rules it out"),
        }),
      ),
      v.maxLength(10),
    ),
  ),
  recommended_actions: v.optional(
    v.pipe(
      v.array(
        v.object({
          name: ShortText("one of the defined actions", 80),
          params: v.record(v.string(), v.unknown()),
          why: ShortText("why this action fixes the root cause"),
        }),
      ),
      v.maxLength(5),
    ),
  ),
});
export type SubmittedDiagnosis = v.InferOutput<typeof SubmittedDiagnosis>;
