// The Anthropic Messages API (POST /v1/messages, tool use) behind the neutral ChatClient.
import * as v from "valibot";
import { createChatClient, joinUrl, type ChatClient, type ChatMessage, type ChatRequest, type ChatTurn } from "./llm-chat.ts";

export const ANTHROPIC_DEFAULT_URL = "https://api.anthropic.com";
export const ANTHROPIC_DEFAULT_MODEL = "claude-sonnet-4-5";
const API_VERSION = "2023-06-01";

const Answer = v.object({
  content: v.array(
    v.variant("type", [
      v.object({ type: v.literal("text"), text: v.string() }),
      v.object({ type: v.literal("tool_use"), id: v.string(), name: v.string(), input: v.unknown() }),
      v.object({ type: v.literal("thinking") }),
      v.object({ type: v.literal("redacted_thinking") }),
    ]),
  ),
  stop_reason: v.nullish(v.string()),
  usage: v.optional(v.object({ input_tokens: v.optional(v.number(), 0), output_tokens: v.optional(v.number(), 0) })),
});

const ErrorBody = v.object({ type: v.literal("error"), error: v.object({ type: v.string(), message: v.string() }) });

function wireMessages(messages: ChatMessage[]) {
  return messages.map((m) => {
    switch (m.role) {
      case "user":
        return { role: "user", content: [{ type: "text", text: m.text }] };
      case "assistant":
        return {
          role: "assistant",
          // The API refuses an empty assistant turn; a model that said nothing still said something.
          content: [
            ...(m.text || m.toolCalls.length === 0 ? [{ type: "text", text: m.text || "(no answer)" }] : []),
            ...m.toolCalls.map((c) => ({ type: "tool_use", id: c.id, name: c.name, input: c.input ?? {} })),
          ],
        };
      case "tool":
        return {
          role: "user",
          content: [
            ...m.results.map((r) => ({ type: "tool_result", tool_use_id: r.callId, content: r.content, ...(r.isError ? { is_error: true } : {}) })),
            ...(m.text ? [{ type: "text", text: m.text }] : []),
          ],
        };
    }
  });
}

export function createAnthropicChat(options: { url?: string; model?: string; apiKey: string }): ChatClient {
  const model = options.model ?? ANTHROPIC_DEFAULT_MODEL;
  return createChatClient({
    provider: "anthropic",
    model,
    endpoint: joinUrl(options.url ?? ANTHROPIC_DEFAULT_URL, "/v1/messages"),
    headers: { "x-api-key": options.apiKey, "anthropic-version": API_VERSION },
    toWire: (request: ChatRequest) => ({
      model,
      max_tokens: request.maxTokens,
      system: request.system,
      messages: wireMessages(request.messages),
      tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })),
      tool_choice: request.forceTool ? { type: "tool", name: request.forceTool } : { type: "auto" },
    }),
    answer: Answer,
    answerName: "a Messages API response",
    fromWire: ({ content, stop_reason, usage }): ChatTurn => ({
      text: content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n"),
      toolCalls: content.flatMap((b) => (b.type === "tool_use" ? [{ id: b.id, name: b.name, input: b.input }] : [])),
      stopReason: stop_reason ?? "unknown",
      usage: { inputTokens: usage?.input_tokens ?? 0, outputTokens: usage?.output_tokens ?? 0 },
    }),
    errorDocument: ErrorBody,
    errorWords: (e) => `${e.error.type}: ${e.error.message}`,
  });
}
