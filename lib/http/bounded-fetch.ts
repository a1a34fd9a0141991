// One outbound HTTP exchange within bounds: a deadline over connect and body, a body size cap
// enforced while streaming, and every failure returned as a value that says what happened. The
// words are the caller's: each maps a FetchFailure to its own error type and message.

export type FetchFailureKind =
  /** `timeoutMs` passed (checked first: a deadline is the likelier cause). */
  | "timeout"
  /** The caller's own signal aborted. */
  | "aborted"
  /** Nothing listens there (ECONNREFUSED). */
  | "refused"
  /** Any other transport error: reset, DNS, TLS, a body that broke off. */
  | "network"
  /** The body (declared or streamed) passed `maxBytes`; reading stopped there. */
  | "too_large"
  /** A status `acceptStatus` refused; `text` holds the body when `readRefusedBody` is set. */
  | "status"
  /** An accepted answer whose body did not parse (`fetchJson` only). */
  | "not_json";

export interface FetchFailure {
  kind: FetchFailureKind;
  /** Set once the answer's headers arrived, so a failure with a status happened while reading its body. */
  status?: number;
  statusText?: string;
  /** The whole body, for `status` (when read) and `not_json`. */
  text?: string;
  /** The Content-Length that was over the cap; undefined when the cap was hit while streaming. */
  declaredBytes?: number;
  /** The runtime's error code for `refused` and `network` (`ECONNRESET`, `ConnectionRefused`, ...). */
  code?: string;
  /** What fetch or the body stream threw. */
  cause?: unknown;
}

export interface FetchLimits {
  /** Deadline for the whole exchange, ms; without it only `signal` ends a wait. */
  timeoutMs?: number;
  /** Body cap, bytes (Infinity: no cap, the deadline alone bounds the read). */
  maxBytes: number;
  signal?: AbortSignal;
  /** Statuses whose body is the answer (default: every status; the caller judges). */
  acceptStatus?: (status: number) => boolean;
  /** Read a refused status's body, within the cap, as an error document (default: cancel it unread). */
  readRefusedBody?: boolean;
  /** Refuse an answer whose Content-Length is over the cap before reading a byte of it. */
  checkContentLength?: boolean;
}

export type Fetched<T> =
  | { ok: true; status: number; statusText: string; headers: Headers; body: T }
  | { ok: false; failure: FetchFailure };

const REFUSED_CODES = new Set(["ECONNREFUSED", "ConnectionRefused"]);

/** Sends `init` to `url` and reads the answer as text within `limits`; never throws for the exchange itself. */
export async function fetchText(url: string, init: Omit<RequestInit, "signal">, limits: FetchLimits): Promise<Fetched<string>> {
  const deadline = limits.timeoutMs === undefined ? undefined : AbortSignal.timeout(limits.timeoutMs);
  const signals = [limits.signal, deadline].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  let response: Response | undefined;
  try {
    response = await fetch(url, { ...init, signal });
    const { status, statusText } = response;
    const accepted = (limits.acceptStatus ?? (() => true))(status);
    if (!accepted && !limits.readRefusedBody) {
      await response.body?.cancel().catch(() => {});
      return { ok: false, failure: { kind: "status", status, statusText } };
    }
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (limits.checkContentLength && declared > limits.maxBytes) {
      await response.body?.cancel().catch(() => {});
      return { ok: false, failure: { kind: "too_large", status, statusText, declaredBytes: declared } };
    }
    const text = await readCapped(response, limits.maxBytes);
    if (text === undefined) return { ok: false, failure: { kind: "too_large", status, statusText } };
    if (!accepted) return { ok: false, failure: { kind: "status", status, statusText, text } };
    return { ok: true, status, statusText, headers: response.headers, body: text };
  } catch (error) {
    return { ok: false, failure: { ...classify(error, deadline, limits.signal), status: response?.status, statusText: response?.statusText } };
  }
}

/** As fetchText, then `parse` (default JSON.parse) on an accepted body; a body that does not parse is `not_json`. */
export async function fetchJson(
  url: string,
  init: Omit<RequestInit, "signal">,
  limits: FetchLimits & { parse?: (text: string) => unknown },
): Promise<Fetched<unknown>> {
  const answer = await fetchText(url, init, limits);
  if (!answer.ok) return answer;
  try {
    return { ...answer, body: (limits.parse ?? JSON.parse)(answer.body) };
  } catch (error) {
    return { ok: false, failure: { kind: "not_json", status: answer.status, statusText: answer.statusText, text: answer.body, cause: error } };
  }
}

/** The body as text, or undefined at the first chunk past `maxBytes` (the rest is never read). */
async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function classify(error: unknown, deadline: AbortSignal | undefined, signal: AbortSignal | undefined): FetchFailure {
  if (deadline?.aborted) return { kind: "timeout", cause: error };
  if (signal?.aborted) return { kind: "aborted", cause: error };
  const code = (error as { code?: unknown })?.code;
  const named = typeof code === "string" && code !== "" ? code : undefined;
  return { kind: named && REFUSED_CODES.has(named) ? "refused" : "network", code: named, cause: error };
}
