// The engines an eval scores, by the names its report uses: `builtin`, and for the LLM one per hint
// mode, `llm` (shown the rules' conclusion to check) and `llm-blind` (not shown it), so that a
// model's own reasoning is measured beside its checking.
import { createBuiltinEngine } from "../diagnosis/builtin-engine.ts";
import type { DiagnosisEngine } from "../diagnosis/diagnosis.ts";
import { createDiagnosisEngine, type DiagnosisOptions } from "../diagnosis/engine-options.ts";
import type { LlmHint } from "../diagnosis/llm-prompt.ts";

export const EVAL_LLM_HINTS = ["both", "rules", "none"] as const;
export type EvalLlmHint = (typeof EVAL_LLM_HINTS)[number];

/** The report's name of the LLM engine in one hint mode. */
export const llmRunName = (hint: LlmHint) => (hint === "rules" ? "llm" : "llm-blind");

export interface EvalEngines {
  /** In the order they run. */
  names: string[];
  engines: Record<string, DiagnosisEngine>;
}

/** `engine`: builtin, llm or both; `llmHint`: which hint modes the LLM runs in (both by default). */
export function evalEngines(engine: "builtin" | "llm" | "both", llmHint: EvalLlmHint, llm: Omit<DiagnosisOptions, "engine" | "llmHint">): EvalEngines {
  const engines: Record<string, DiagnosisEngine> = {};
  if (engine !== "llm") engines.builtin = createBuiltinEngine();
  if (engine !== "builtin") {
    const hints: LlmHint[] = llmHint === "both" ? ["rules", "none"] : [llmHint];
    for (const hint of hints) engines[llmRunName(hint)] = createDiagnosisEngine({ ...llm, engine: "llm", llmHint: hint });
  }
  return { names: Object.keys(engines), engines };
}
