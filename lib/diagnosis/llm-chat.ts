// A provider-neutral chat turn with tool calls: what the investigation loop speaks. Each provider
// module gives its wire format both ways (a ChatWire); this one owns the bounded exchange around it.
import * as v from "valibot";
import { fetchJson } from "../http/bounded-fetch.ts";

export type JsonSchema = Record<string, unknown>;

export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: JsonSchema;
}

export interface ToolCall {
  id: string;
  name: string;
  /** The parsed input; undefined when `malformed` says why it could not be read. */
  input: unknown;
  malformed?: string;
}

export interface ToolOutcome {
  callId: string;
  name: string;
  content: string;
  isError: boolean;
}

export type ChatMessage =
  | { role: "user"; text: string }
  | { role: "assistant"; text: string; toolCalls: ToolCall[] }
  | { role: "tool"; results: ToolOutcome[]; text?: string };

export interface ChatRequest {
  system: string;
  messages: ChatMessage[];
  tools: ToolSpec[];
  /** Output tokens this turn may use. */
  maxTokens: number;
  /** Make the model call this tool now (the last turn). */
  forceTool?: string;
}

export interface ChatTurn {
  text: string;
  toolCalls: ToolCall[];
  stopReason: string;
  usage: { inputTokens: number; outputTokens: number };
}

export interface ChatClient {
  provider: "anthropic" | "openai";
  model: string;
  /** The endpoint, for messages (never with credentials in it). */
  endpoint: string;
  send(request: ChatRequest, signal: AbortSignal): Promise<ChatTurn>;
}

/** A failed exchange; `retryable` says whether the same request may succeed on a second try. */
export class LlmError extends Error {
  constructor(message: string, readonly retryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = "LlmError";
  }
}

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** What one chat API makes its own: where, how it authenticates, and its wire format both ways. */
export interface ChatWire<Answer, ErrorDocument> {
  provider: ChatClient["provider"];
  model: string;
  endpoint: string;
  headers: Record<string, string>;
  /** The request body for one turn, in the API's format. */
  toWire(request: ChatRequest): unknown;
  /** A successful answer's shape, and what it says as a neutral turn. */
  answer: v.GenericSchema<unknown, Answer>;
  /** Named in the error when an answer does not fit `answer` ("a Messages API response"). */
  answerName: string;
  fromWire(answer: Answer): ChatTurn;
  /** The API's error document on a refused request, and the words from it for the message. */
  errorDocument: v.GenericSchema<unknown, ErrorDocument>;
  errorWords(error: ErrorDocument): string;
}

/** One exchange per turn: POST the wire body, check the answer's shape, hand back the neutral turn. */
export function createChatClient<Answer, ErrorDocument>(wire: ChatWire<Answer, ErrorDocument>): ChatClient {
  const describeError = (parsed: unknown) => {
    const error = v.safeParse(wire.errorDocument, parsed);
    return error.success ? wire.errorWords(error.output) : undefined;
  };
  return {
    provider: wire.provider,
    model: wire.model,
    endpoint: wire.endpoint,
    async send(request: ChatRequest, signal: AbortSignal): Promise<ChatTurn> {
      const raw = await postJson(wire.endpoint, wire.headers, wire.toWire(request), signal, describeError);
      const answer = v.safeParse(wire.answer, raw);
      if (!answer.success) throw new LlmError(`answer from ${wire.endpoint} is not ${wire.answerName}`, true);
      return wire.fromWire(answer.output);
    },
  };
}

/**
 * POSTs JSON and returns the parsed answer. HTTP errors become LlmError with the provider's own
 * message (`describeError` reads it from the body); 408, 429 and 5xx may be retried.
 */
async function postJson(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal,
  describeError: (parsed: unknown) => string | undefined,
): Promise<unknown> {
  const init = { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
  const answer = await fetchJson(url, init, { maxBytes: MAX_RESPONSE_BYTES, signal, acceptStatus: (s) => s >= 200 && s < 300, readRefusedBody: true });
  if (answer.ok) return answer.body;
  const { kind, status, statusText, text = "", cause } = answer.failure;
  switch (kind) {
    case "too_large":
      throw new LlmError(`answer larger than ${MAX_RESPONSE_BYTES} bytes`, false);
    case "status": {
      const detail = describeError(parseOrUndefined(text)) ?? (text.slice(0, 200) || statusText);
      const retryable = status === 408 || status === 429 || status! >= 500;
      throw new LlmError(`HTTP ${status} from ${url}: ${detail}`, retryable);
    }
    case "not_json":
      throw new LlmError(`answer from ${url} is not JSON: ${JSON.stringify(text.slice(0, 80))}`, true);
    case "timeout":
    case "aborted":
      throw new LlmError(`no answer from ${url} in time`, true, { cause });
    default:
      if (status !== undefined) throw new LlmError(`answer from ${url} broke off`, true, { cause });
      throw new LlmError(`cannot reach ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, true, { cause });
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const joinUrl = (base: string, path: string) => `${base.replace(/\/+$/, "")}${path}`;
