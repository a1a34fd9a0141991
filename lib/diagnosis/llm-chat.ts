// A provider-neutral chat turn with tool calls: what the investigation loop speaks. Each provider
// module turns it into its own wire format and back; this one also owns the bounded HTTP call.

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

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new LlmError(`answer larger than ${maxBytes} bytes`, false);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * POSTs JSON and returns the parsed answer. HTTP errors become LlmError with the provider's own
 * message (`describeError` reads it from the body); 408, 429 and 5xx may be retried.
 */
export async function postJson(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal,
  describeError: (parsed: unknown) => string | undefined,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body), signal });
  } catch (error) {
    if (signal.aborted) throw new LlmError(`no answer from ${url} in time`, true, { cause: error });
    throw new LlmError(`cannot reach ${url}: ${error instanceof Error ? error.message : String(error)}`, true, { cause: error });
  }
  let text: string;
  try {
    text = await readBounded(response, MAX_RESPONSE_BYTES);
  } catch (error) {
    if (error instanceof LlmError) throw error;
    throw new LlmError(signal.aborted ? `no answer from ${url} in time` : `answer from ${url} broke off`, true, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const detail = describeError(parsed) ?? (text.slice(0, 200) || response.statusText);
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    throw new LlmError(`HTTP ${response.status} from ${url}: ${detail}`, retryable);
  }
  if (parsed === undefined) throw new LlmError(`answer from ${url} is not JSON: ${JSON.stringify(text.slice(0, 80))}`, true);
  return parsed;
}

export const joinUrl = (base: string, path: string) => `${base.replace(/\/+$/, "")}${path}`;
