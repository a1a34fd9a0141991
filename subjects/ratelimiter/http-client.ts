// Bounded HTTP reads from the nodes: every request has a deadline and a body size cap, and every
// failure is a value that says what happened (refused, timed out, too large, not JSON), never a throw.
import { fetchText, type FetchFailure } from "../../lib/http/bounded-fetch.ts";

export type HttpFailureKind = "refused" | "timeout" | "status" | "too_large" | "not_json" | "aborted" | "network";

export interface HttpFailure {
  kind: HttpFailureKind;
  message: string;
  status?: number;
}

export type HttpResult<T> = { ok: true; value: T; status: number; ms: number } | { ok: false; failure: HttpFailure; ms: number };

export interface ReadLimits {
  timeoutMs: number;
  maxBytes: number;
  signal: AbortSignal;
  /** Statuses that still carry a body worth reading (e.g. 503 from a draining node). Default: 2xx only. */
  acceptStatus?: (status: number) => boolean;
}

const GET = { headers: { accept: "application/json, text/plain" }, redirect: "manual" } as const;

/** GET `url` and return its body as text, within `limits`. */
export async function getText(url: string, limits: ReadLimits): Promise<HttpResult<string>> {
  const started = performance.now();
  const ms = () => Math.round((performance.now() - started) * 100) / 100;
  const acceptStatus = limits.acceptStatus ?? ((s: number) => s >= 200 && s < 300);
  const answer = await fetchText(url, GET, { ...limits, acceptStatus, checkContentLength: true });
  if (answer.ok) return { ok: true, value: answer.body, status: answer.status, ms: ms() };
  return { ok: false, failure: toHttpFailure(answer.failure, limits), ms: ms() };
}

/** GET `url` and parse its JSON body, within `limits`. */
export async function getJson(url: string, limits: ReadLimits): Promise<HttpResult<unknown>> {
  const result = await getText(url, limits);
  if (!result.ok) return result;
  try {
    return { ...result, value: JSON.parse(result.value) as unknown };
  } catch {
    const shown = result.value.slice(0, 40).replace(/[^\x20-\x7e]/g, "?");
    return { ok: false, failure: { kind: "not_json", message: `answered something that is not JSON (${JSON.stringify(shown)}…)` }, ms: result.ms };
  }
}

function toHttpFailure(failure: FetchFailure, limits: ReadLimits): HttpFailure {
  const { kind, status, cause } = failure;
  const name = (cause as { name?: string } | undefined)?.name;
  if (kind === "status") return { kind: "status", status, message: `answered HTTP ${status}` };
  if (kind === "too_large") return { kind: "too_large", message: `answered a body larger than ${limits.maxBytes} bytes` };
  if (kind === "timeout" || name === "TimeoutError") return { kind: "timeout", message: `did not answer within ${limits.timeoutMs} ms` };
  if (kind === "aborted" || name === "AbortError") return { kind: "aborted", message: "observation cancelled" };
  if (kind === "refused") return { kind: "refused", message: "refused the connection (nothing listens)" };
  const e = cause as { code?: string; message?: string } | undefined;
  return { kind: "network", message: `network error: ${e?.code ?? e?.message ?? String(cause)}` };
}
