// How a command picks its diagnosis engine: one options table (flags and env vars of DESIGN.md's
// "LLM" section) shared by `diagnose` and `monitor`, and the factory that turns it into an engine.
import * as v from "valibot";
import { defineOptions, HttpUrl, NonEmptyText, OneOf, PositiveDuration, PositiveInt, type ResolvedOptions, type TextSchema } from "../cli/config.ts";
import { usageError } from "../cli/errors.ts";
import { createAnthropicChat } from "./anthropic-chat.ts";
import { createBuiltinEngine } from "./builtin-engine.ts";
import { ENGINE_NAMES, type DiagnosisEngine } from "./diagnosis.ts";
import type { ChatClient } from "./llm-chat.ts";
import { createLlmEngine } from "./llm-engine.ts";
import { LLM_HINTS } from "./llm-prompt.ts";
import { createOpenAiChat } from "./openai-chat.ts";

/** An API key: empty (an exported but blank variable) counts as not given. */
const ApiKey: TextSchema<string | undefined> = v.pipe(v.string(), v.trim(), v.transform((s) => s || undefined));

export const diagnosisOptions = defineOptions({
  engine: { env: "OPERATOR_DIAGNOSIS_ENGINE", schema: OneOf(ENGINE_NAMES), help: "builtin (the subject's rules, no network) or llm (needs OPERATOR_LLM); default llm when OPERATOR_LLM is set, else builtin" },
  llm: { env: "OPERATOR_LLM", default: "none", schema: OneOf(["none", "anthropic", "openai"] as const), help: "the LLM API: anthropic (Messages API), openai (any Chat Completions server: OpenAI, Ollama, vLLM), none" },
  llmUrl: { env: "OPERATOR_LLM_URL", schema: HttpUrl, help: "API base: default https://api.anthropic.com (anthropic), https://api.openai.com/v1 (openai); e.g. http://127.0.0.1:11434/v1" },
  llmModel: { env: "OPERATOR_LLM_MODEL", schema: NonEmptyText, help: "model name (default claude-sonnet-4-5 for anthropic, gpt-4o-mini for openai)" },
  anthropicApiKey: { env: "ANTHROPIC_API_KEY", schema: ApiKey, secret: true, help: "API key for --llm anthropic (prefer the env var: flags show in ps)" },
  llmApiKey: { env: "OPERATOR_LLM_API_KEY", schema: ApiKey, secret: true, help: "API key for --llm openai (a local server may need none)" },
  llmTimeout: { env: "OPERATOR_LLM_TIMEOUT", default: "60s", schema: PositiveDuration, help: "longest LLM investigation; then the built-in engine answers" },
  llmMaxTurns: { env: "OPERATOR_LLM_MAX_TURNS", default: "8", schema: PositiveInt, help: "most model turns per diagnosis" },
  llmMaxTokens: { env: "OPERATOR_LLM_MAX_TOKENS", default: "60000", schema: PositiveInt, help: "most tokens (in + out) per diagnosis" },
  llmHint: { env: "OPERATOR_LLM_HINT", default: "rules", schema: OneOf(LLM_HINTS), help: "rules: the model is shown the built-in rules' conclusion to check; none: only the observations, invariants, history and tools (blind)" },
});

export type DiagnosisOptions = ResolvedOptions<typeof diagnosisOptions>;

/** The engine the options ask for. `secrets`: values to redact besides the API key (e.g. an admin token). */
export function createDiagnosisEngine(options: DiagnosisOptions, secrets: string[] = []): DiagnosisEngine {
  const builtin = createBuiltinEngine();
  const engine = options.engine ?? (options.llm === "none" ? "builtin" : "llm");
  if (engine === "builtin") return builtin;
  let client: ChatClient;
  let apiKey: string | undefined;
  if (options.llm === "anthropic") {
    apiKey = options.anthropicApiKey;
    if (!apiKey) throw usageError("missing_option", "--llm anthropic needs an API key: set ANTHROPIC_API_KEY (or --anthropic-api-key)");
    client = createAnthropicChat({ url: options.llmUrl, model: options.llmModel, apiKey });
  } else if (options.llm === "openai") {
    apiKey = options.llmApiKey;
    client = createOpenAiChat({ url: options.llmUrl, model: options.llmModel, apiKey });
  } else {
    throw usageError("llm_not_configured", "--engine llm needs an LLM: set OPERATOR_LLM=anthropic (with ANTHROPIC_API_KEY) or OPERATOR_LLM=openai (with OPERATOR_LLM_URL, OPERATOR_LLM_API_KEY)");
  }
  return createLlmEngine({
    client,
    fallback: builtin,
    hint: options.llmHint,
    secrets: [...secrets, ...(apiKey ? [apiKey] : [])],
    limits: { timeoutMs: options.llmTimeout, maxTurns: options.llmMaxTurns, maxTokens: options.llmMaxTokens },
  });
}
