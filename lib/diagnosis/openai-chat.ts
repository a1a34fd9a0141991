// OpenAI-compatible Chat Completions (POST {base}/chat/completions, tools) behind the neutral
// ChatClient: OpenAI itself, Ollama, vLLM and the like.
import * as v from "valibot";
import { createChatClient, joinUrl, type ChatClient, type ChatMessage, type ChatRequest, type ChatTurn, type ToolCall } from "./llm-chat.ts";

export const OPENAI_DEFAULT_URL = "https://api.openai.com/v1";
export const OPENAI_DEFAULT_MODEL = "gpt-4o-mini";

const Answer = v.object({
  choices: v.pipe(
    v.array(
      v.object({
        message: v.object({
          content: v.nullish(v.string()),
          tool_calls: v.nullish(
            v.array(v.object({ id: v.string(), type: v.optional(v.string()), function: v.object({ name: v.string(), arguments: v.nullish(v.string()) }) })),
          ),
        }),
        finish_reason: v.nullish(v.string()),
      }),
    ),
    v.minLength(1),
  ),
  usage: v.nullish(v.object({ prompt_tokens: v.optional(v.number(), 0), completion_tokens: v.optional(v.number(), 0) })),
});

const ErrorBody = v.object({ error: v.object({ message: v.string(), type: v.nullish(v.string()) }) });

function wireMessages(system: string, messages: ChatMessage[]) {
  return [
    { role: "system", content: system },
    ...messages.flatMap((m) => {
      switch (m.role) {
        case "user":
          return [{ role: "user", content: m.text }];
        case "assistant":
          return [{
            role: "assistant",
            content: m.text || null,
            ...(m.toolCalls.length
              ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: JSON.stringify(c.input ?? {}) } })) }
              : {}),
          }];
        case "tool":
          return [
            ...m.results.map((r) => ({ role: "tool", tool_call_id: r.callId, content: r.isError ? `ERROR: ${r.content}` : r.content })),
            ...(m.text ? [{ role: "user", content: m.text }] : []),
          ];
      }
    }),
  ];
}

function readCall(call: { id: string; function: { name: string; arguments?: string | null } }): ToolCall {
  const text = call.function.arguments ?? "{}";
  try {
    return { id: call.id, name: call.function.name, input: JSON.parse(text || "{}") };
  } catch {
    return { id: call.id, name: call.function.name, input: undefined, malformed: `arguments are not JSON: ${JSON.stringify(text.slice(0, 80))}` };
  }
}

export function createOpenAiChat(options: { url?: string; model?: string; apiKey?: string }): ChatClient {
  const model = options.model ?? OPENAI_DEFAULT_MODEL;
  return createChatClient({
    provider: "openai",
    model,
    endpoint: joinUrl(options.url ?? OPENAI_DEFAULT_URL, "/chat/completions"),
    headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
    toWire: (request: ChatRequest) => ({
      model,
      max_tokens: request.maxTokens,
      messages: wireMessages(request.system, request.messages),
      tools: request.tools.map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.inputSchema } })),
      tool_choice: request.forceTool ? { type: "function", function: { name: request.forceTool } } : "auto",
    }),
    answer: Answer,
    answerName: "a Chat Completions response",
    fromWire: ({ choices, usage }): ChatTurn => {
      const choice = choices[0]!;
      return {
        text: choice.message.content ?? "",
        toolCalls: (choice.message.tool_calls ?? []).map(readCall),
        stopReason: choice.finish_reason ?? "unknown",
        usage: { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 },
      };
    },
    errorDocument: ErrorBody,
    errorWords: (e) => `${e.error.type ? `${e.error.type}: ` : ""}${e.error.message}`,
  });
}
