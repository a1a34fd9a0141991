// One notification request on the wire, and what its answer means for a retry: connection
// errors, timeouts, 408, 429 and 5xx may pass (retry later); any other 4xx will not (the URL, key
// or body is wrong, and saying so beats hammering).
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
  const timeout = AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "operator-notify", ...request.headers },
      body: request.body,
      signal,
      redirect: "manual",
    });
    const reply = (await response.text().catch(() => "")).slice(0, 500);
    if (response.ok) return { outcome: { ok: true }, status: response.status, reply };
    const error = `HTTP ${response.status}${reply ? `: ${reply.replace(/\s+/g, " ").trim().slice(0, 200)}` : ""}`;
    return { outcome: { ok: false, retryable: isRetryableStatus(response.status), error }, status: response.status, reply };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const text = timeout.aborted ? `no answer within ${options.timeoutMs ?? REQUEST_TIMEOUT_MS} ms`
      : typeof code === "string" && code !== "" ? `${code}${NETWORK_WORDS[code] ? `, ${NETWORK_WORDS[code]}` : ""}`
      : error instanceof Error ? error.message : String(error);
    return { outcome: { ok: false, retryable: true, error: `connection failed: ${text}` }, status: undefined, reply: "" };
  }
}
