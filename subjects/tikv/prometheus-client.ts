// Instant PromQL queries against Prometheus' HTTP API (`GET /api/v1/query`), bounded in time and size.
import { OperatorError } from "../../lib/cli/errors.ts";
import { fetchText } from "../../lib/http/bounded-fetch.ts";
import { shownUrl } from "./redact-url.ts";

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface QueryResult {
  samples: Sample[];
  /** True when Prometheus returned more series than `maxSeries` and the rest were dropped. */
  truncated: boolean;
}

export type PrometheusFailure = "unreachable" | "timeout" | "http" | "bad_response" | "query";

export class PrometheusError extends OperatorError {
  constructor(readonly kind: PrometheusFailure, message: string, options?: ErrorOptions) {
    super(`prometheus_${kind}`, message, kind === "unreachable" || kind === "timeout" ? 3 : kind === "query" ? 2 : 1, options);
    this.name = "PrometheusError";
  }
}

export interface PrometheusOptions {
  url: string;
  timeoutMs: number;
  /** Series beyond this are dropped (a careless query can return a whole TSDB). */
  maxSeries?: number;
  maxBodyBytes?: number;
}

const DEFAULT_MAX_SERIES = 1_000;
const DEFAULT_MAX_BODY_BYTES = 8 * 2 ** 20;

export class PrometheusClient {
  constructor(readonly options: PrometheusOptions) {}

  /** Evaluates `query` at `timeMs` (default: now, by Prometheus' clock). Throws PrometheusError. */
  async query(query: string, options: { timeMs?: number; signal?: AbortSignal; maxSeries?: number } = {}): Promise<QueryResult> {
    const { timeoutMs } = this.options;
    const url = shownUrl(this.options.url);
    const params = new URLSearchParams({ query, timeout: `${Math.max(1, Math.floor(timeoutMs / 1000))}s` });
    if (options.timeMs !== undefined) params.set("time", (options.timeMs / 1000).toFixed(3));
    // Read whole, then measured in characters against maxBodyBytes: the message names the full size.
    const answer = await fetchText(`${this.options.url}/api/v1/query?${params}`, {}, { timeoutMs, maxBytes: Number.POSITIVE_INFINITY, signal: options.signal });
    if (!answer.ok) {
      const { kind, cause } = answer.failure;
      if (kind === "timeout" && !options.signal?.aborted) {
        throw new PrometheusError("timeout", `Prometheus at ${url} did not answer within ${timeoutMs} ms`, { cause });
      }
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new PrometheusError("unreachable", `Prometheus at ${url} is unreachable: ${reason}`, { cause });
    }
    const { status, body: text } = answer;
    if (text.length > (this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)) {
      throw new PrometheusError("bad_response", `Prometheus at ${url} answered ${text.length} bytes for ${query}: narrow the query`);
    }
    let body: { status?: string; error?: string; errorType?: string; data?: { resultType?: string; result?: unknown } };
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new PrometheusError("bad_response", `Prometheus at ${url} answered ${status} with a body that is not JSON: ${text.slice(0, 120)}`, { cause: error });
    }
    if (body?.status !== "success") {
      const kind = status === 400 || status === 422 ? "query" : "http";
      throw new PrometheusError(kind, `Prometheus at ${url} refused ${query}: ${body?.errorType ?? status}: ${body?.error ?? "no error text"}`);
    }
    return readResult(body.data?.resultType, body.data?.result, options.maxSeries ?? this.options.maxSeries ?? DEFAULT_MAX_SERIES);
  }
}

function readResult(resultType: string | undefined, result: unknown, maxSeries: number): QueryResult {
  if (resultType === "scalar" && Array.isArray(result)) return { samples: [{ labels: {}, value: Number(result[1]) }], truncated: false };
  if (resultType !== "vector" || !Array.isArray(result)) {
    throw new PrometheusError("bad_response", `expected an instant vector, got ${resultType ?? "nothing"}`);
  }
  const samples = result.slice(0, maxSeries).map((item: { metric?: Record<string, string>; value?: [number, string] }) => ({
    labels: item.metric ?? {},
    // Prometheus sends values as text: "NaN", "+Inf" included.
    value: Number(item.value?.[1]),
  }));
  return { samples, truncated: result.length > maxSeries };
}
