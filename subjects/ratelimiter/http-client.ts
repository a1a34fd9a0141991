// Bounded HTTP reads from the nodes: every request has a deadline and a body size cap, and every
// failure is a value that says what happened (refused, timed out, too large, not JSON), never a throw.

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

/** GET `url` and return its body as text, within `limits`. */
export async function getText(url: string, limits: ReadLimits): Promise<HttpResult<string>> {
  const started = performance.now();
  const ms = () => Math.round((performance.now() - started) * 100) / 100;
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const signal = AbortSignal.any([limits.signal, deadline]);
  try {
    const response = await fetch(url, { signal, headers: { accept: "application/json, text/plain" }, redirect: "manual" });
    const accept = limits.acceptStatus ?? ((s: number) => s >= 200 && s < 300);
    if (!accept(response.status)) {
      await response.body?.cancel().catch(() => {});
      return { ok: false, failure: { kind: "status", status: response.status, message: `answered HTTP ${response.status}` }, ms: ms() };
    }
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > limits.maxBytes) {
      await response.body?.cancel().catch(() => {});
      return { ok: false, failure: tooLarge(limits.maxBytes), ms: ms() };
    }
    const text = await readCapped(response, limits.maxBytes);
    if (text === undefined) return { ok: false, failure: tooLarge(limits.maxBytes), ms: ms() };
    return { ok: true, value: text, status: response.status, ms: ms() };
  } catch (error) {
    return { ok: false, failure: classify(error, deadline.aborted, limits.timeoutMs), ms: ms() };
  }
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

const tooLarge = (maxBytes: number): HttpFailure => ({ kind: "too_large", message: `answered a body larger than ${maxBytes} bytes` });

async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  if (!response.body) return "";
  const reader = response.body.getReader();
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

function classify(error: unknown, timedOut: boolean, timeoutMs: number): HttpFailure {
  const e = error as { name?: string; code?: string; message?: string };
  if (timedOut || e?.name === "TimeoutError") return { kind: "timeout", message: `did not answer within ${timeoutMs} ms` };
  if (e?.name === "AbortError") return { kind: "aborted", message: "observation cancelled" };
  if (e?.code === "ECONNREFUSED" || e?.code === "ConnectionRefused") return { kind: "refused", message: "refused the connection (nothing listens)" };
  return { kind: "network", message: `network error: ${e?.code ?? e?.message ?? String(error)}` };
}
