// The LLM engine: an investigation loop with the subject's read-only tools, bounded in turns, time
// and tokens, that must end in a `submit_diagnosis` call passing the diagnosis schema. Anything else
// gets one more chance, then the built-in engine answers and the diagnosis says why.
import * as v from "valibot";
import { checkCall, describeIssue } from "../actions/action-call.ts";
import { log } from "../cli/log.ts";
import type { ActionDefinition } from "../subject/subject.ts";
import { diagnosisJson, SubmittedDiagnosis, type Diagnosis, type DiagnosisEngine, type DiagnosisRequest, type LlmUsage } from "./diagnosis.ts";
import { toJsonSchema } from "./json-schema.ts";
import { LlmError, type ChatClient, type ChatMessage, type ChatTurn, type ToolOutcome, type ToolSpec } from "./llm-chat.ts";
import { fence, firstMessage, SUBMIT_TOOL, systemPrompt, type LlmHint } from "./llm-prompt.ts";
import { redactDeep, redactText } from "./redact.ts";

export interface LlmLimits {
  /** Model turns (requests) per diagnosis. */
  maxTurns: number;
  /** Wall time for the whole investigation, ms. */
  timeoutMs: number;
  /** Input plus output tokens over the whole investigation. */
  maxTokens: number;
  /** Output tokens per turn. */
  maxOutputTokens: number;
  /** One tool call's deadline, ms. */
  toolTimeoutMs: number;
}

export const DEFAULT_LLM_LIMITS: LlmLimits = { maxTurns: 8, timeoutMs: 60_000, maxTokens: 60_000, maxOutputTokens: 2_048, toolTimeoutMs: 5_000 };

export interface LlmEngineOptions {
  client: ChatClient;
  limits?: Partial<LlmLimits>;
  /** Secret values known to the caller (tokens, keys): redacted wherever they appear. */
  secrets?: string[];
  /** Answers when the LLM does not; its diagnosis is marked with `fallback`. */
  fallback: DiagnosisEngine;
  /** `rules` (default): the fallback's conclusion goes into the prompt to be checked; `none`: the model is not shown it. */
  hint?: LlmHint;
  clock?: () => number;
}

/** Why the LLM's answer was not used. */
class Failure extends Error {}

const MAX_TOOL_RESULT_CHARS = 12_000;

function toolSpecs(definitions: ActionDefinition[]): ToolSpec[] {
  return [
    ...definitions
      .filter((d) => d.kind === "tool")
      .map((d) => ({ name: d.name, description: `${d.description} (read-only)`, inputSchema: toJsonSchema(d.params) })),
    {
      name: SUBMIT_TOOL,
      description: "Submit the diagnosis. Call it exactly once, when you are done investigating.",
      inputSchema: toJsonSchema(SubmittedDiagnosis),
    },
  ];
}

/** Checks a submission against the schema and the subject's actions; returns the reason it fails. */
function readSubmission(input: unknown, definitions: ActionDefinition[]): { ok: true; value: SubmittedDiagnosis } | { ok: false; reason: string } {
  const parsed = v.safeParse(SubmittedDiagnosis, input);
  if (!parsed.success) return { ok: false, reason: `the diagnosis does not pass its schema: ${describeIssue(parsed.issues)}` };
  for (const action of parsed.output.recommended_actions ?? []) {
    const call = checkCall(definitions, "action", action.name, action.params);
    if (!call.ok) return { ok: false, reason: `recommended action rejected: ${call.reason}` };
    action.params = call.params;
  }
  return { ok: true, value: parsed.output };
}

export function createLlmEngine(options: LlmEngineOptions): DiagnosisEngine {
  const limits = { ...DEFAULT_LLM_LIMITS, ...options.limits };
  const clock = options.clock ?? Date.now;
  const secrets = options.secrets ?? [];
  const { client } = options;
  const hint = options.hint ?? "rules";
  const who = `${client.provider} ${client.model} at ${redactText(client.endpoint, secrets)}`;

  async function investigate(request: DiagnosisRequest<unknown>, hints: Diagnosis, signal: AbortSignal, startedAt: number, spent: LlmUsage): Promise<Diagnosis> {
    const definitions = request.subject.actions();
    const tools = redactDeep(toolSpecs(definitions), secrets);
    const system = redactText(systemPrompt(request), secrets);
    const messages: ChatMessage[] = [{ role: "user", text: redactText(firstMessage(request, hint === "rules" ? diagnosisJson(hints) : undefined), secrets) }];
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(limits.timeoutMs)]);
    let secondChances = 0;
    const giveAnotherChance = (reason: string) => {
      secondChances += 1;
      if (secondChances > 1) throw new Failure(reason);
    };

    for (let turn = 1; turn <= limits.maxTurns; turn += 1) {
      if (deadline.aborted) throw new Failure(`no diagnosis within ${limits.timeoutMs} ms`);
      if (spent.tokens >= limits.maxTokens) throw new Failure(`token budget of ${limits.maxTokens} spent without a diagnosis`);
      const last = turn === limits.maxTurns;
      const answer = await sendWithRetry(
        { system, messages: redactDeep(messages, secrets), tools, maxTokens: limits.maxOutputTokens, ...(last ? { forceTool: SUBMIT_TOOL } : {}) },
        deadline,
      );
      spent.turns += 1;
      spent.tokens += answer.usage.inputTokens + answer.usage.outputTokens;
      messages.push({ role: "assistant", text: answer.text, toolCalls: answer.toolCalls });
      if (answer.toolCalls.length === 0) {
        giveAnotherChance(`the model answered without calling ${SUBMIT_TOOL} (stop reason ${answer.stopReason})`);
        messages.push({ role: "user", text: `You must finish by calling ${SUBMIT_TOOL} with a diagnosis that satisfies its schema.` });
        continue;
      }
      const results: ToolOutcome[] = [];
      for (const call of answer.toolCalls) {
        if (call.name === SUBMIT_TOOL) {
          const submission = call.malformed ? { ok: false as const, reason: call.malformed } : readSubmission(call.input, definitions);
          if (submission.ok) return { ...fromSubmission(request, submission.value, clock() - startedAt), usage: spent };
          giveAnotherChance(`the model's diagnosis was invalid twice; last: ${submission.reason}`);
          results.push({ callId: call.id, name: call.name, content: `${submission.reason}. Fix it and call ${SUBMIT_TOOL} again.`, isError: true });
          continue;
        }
        results.push(await runTool(request, definitions, call.id, call.name, call.malformed ? undefined : call.input, call.malformed, deadline));
      }
      messages.push({ role: "tool", results });
    }
    throw new Failure(`no diagnosis within ${limits.maxTurns} turns`);
  }

  async function sendWithRetry(request: Parameters<ChatClient["send"]>[0], signal: AbortSignal): Promise<ChatTurn> {
    try {
      return await client.send(request, signal);
    } catch (error) {
      if (!(error instanceof LlmError) || !error.retryable || signal.aborted) throw error;
      log.debug(`LLM request failed, retrying once: ${error.message}`);
      return await client.send(request, signal);
    }
  }

  async function runTool(
    request: DiagnosisRequest<unknown>,
    definitions: ActionDefinition[],
    callId: string,
    name: string,
    input: unknown,
    malformed: string | undefined,
    signal: AbortSignal,
  ): Promise<ToolOutcome> {
    if (malformed) return { callId, name, content: `${name}: ${malformed}`, isError: true };
    // Only read-only tools are callable here: an action named as a tool is refused, never run.
    const call = checkCall(definitions, "tool", name, input);
    if (!call.ok) return { callId, name, content: call.reason, isError: true };
    try {
      const result = await request.subject.execute(name, call.params, AbortSignal.any([signal, AbortSignal.timeout(limits.toolTimeoutMs)]));
      const body = result.ok ? (result.data ?? result.message) : { error: result.message, retryable: result.retryable };
      return { callId, name, content: fence(`result of ${name}`, body, MAX_TOOL_RESULT_CHARS), isError: !result.ok };
    } catch (error) {
      return { callId, name, content: `${name} failed: ${error instanceof Error ? error.message : String(error)}`, isError: true };
    }
  }

  function fromSubmission(request: DiagnosisRequest<unknown>, s: SubmittedDiagnosis, tookMs: number): Diagnosis {
    return {
      ticketId: request.ticket.id,
      engine: "llm",
      model: client.model,
      rootCause: { component: s.component, summary: s.summary, confidence: s.confidence },
      faultClass: s.fault_class,
      evidence: s.evidence,
      alternatives: (s.alternatives ?? []).map((a) => ({ component: a.component, faultClass: a.fault_class, summary: a.summary, confidence: a.confidence ?? 0, whyRuledOut: a.why_ruled_out })),
      recommendedActions: (s.recommended_actions ?? []).map((a) => ({ name: a.name, params: a.params, why: a.why })),
      tookMs,
    };
  }

  return {
    name: "llm",
    async diagnose(request, signal) {
      const startedAt = clock();
      const hints = await options.fallback.diagnose(request, signal);
      const spent: LlmUsage = { turns: 0, tokens: 0 };
      try {
        return await investigate(request as DiagnosisRequest<unknown>, hints, signal, startedAt, spent);
      } catch (error) {
        if (!(error instanceof Failure) && !(error instanceof LlmError)) throw error;
        const reason = redactText(error.message, secrets);
        log.warn(`LLM diagnosis failed, using the built-in engine: ${reason}`);
        return { ...hints, tookMs: clock() - startedAt, usage: spent, fallback: `the LLM (${who}) gave no usable diagnosis: ${reason}; this is the built-in engine's answer` };
      }
    },
  };
}
