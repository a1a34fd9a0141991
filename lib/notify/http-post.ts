// One notification request on the wire, and what its answer means for a retry: connection
// errors, timeouts, 408, 429 and 5xx may pass (retry later); any other 4xx will not (the URL, key
// or body is wrong, and saying so beats hammering).
import { fetchText } from "../http/bounded-fetch.ts";
import type { AttemptOutcome } from "./plan.ts";

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  /** The exact bytes sent (webhook signatures are computed over them). */
  body: string;
}

export interface PostResult {
  outcome: AttemptOutcome;
  /** HTTP status; undefined when no answer came. */
  status: number | undefined;
  /** The start of the answer's body, for `notify test` and the stored error. */
  reply: string;
}

/** A receiver that takes longer than this is treated as down for this attempt. */
export const REQUEST_TIMEOUT_MS = 10_000;

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: "nothing listens there",
  ENOTFOUND: "no such host",
  ECONNRESET: "the connection was reset",
  EHOSTUNREACH: "the host cannot be reached",
  CERT_HAS_EXPIRED: "its TLS certificate expired",
};

const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

export async function postJson(request: OutgoingRequest, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<PostResult> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const init = { method: "POST", headers: { "content-type": "application/json", "user-agent": "operator-notify", ...request.headers }, body: request.body, redirect: "manual" } as const;
  // No body cap: the reply is cut after the read, and the deadline bounds the read.
  const answer = await fetchText(request.url, init, { timeoutMs, maxBytes: Number.POSITIVE_INFINITY, signal: options.signal });
  if (!answer.ok && answer.failure.status === undefined) {
    const { kind, code, cause } = answer.failure;
    const text = kind === "timeout" ? `no answer within ${timeoutMs} ms`
      : code ? `${code}${NETWORK_WORDS[code] ? `, ${NETWORK_WORDS[code]}` : ""}`
      : cause instanceof Error ? cause.message : String(cause);
    return { outcome: { ok: false, retryable: true, error: `connection failed: ${text}` }, status: undefined, reply: "" };
  }
  // An answer whose body broke off is still an answer: its status decides.
  const status = answer.ok ? answer.status : answer.failure.status!;
  const reply = (answer.ok ? answer.body : "").slice(0, 500);
  if (status >= 200 && status < 300) return { outcome: { ok: true }, status, reply };
  const error = `HTTP ${status}${reply ? `: ${reply.replace(/\s+/g, " ").trim().slice(0, 200)}` : ""}`;
  return { outcome: { ok: false, retryable: isRetryableStatus(status), error }, status, reply };
}
