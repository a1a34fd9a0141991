// The one door to PD's HTTP API: failover across endpoints, a timeout per attempt, bounded bodies,
// exact ids, and PD's JSON-string errors turned into typed errors that say what happened.
import { OperatorError } from "../../lib/cli/errors.ts";
import { fetchText } from "../../lib/http/bounded-fetch.ts";
import { parseExactJson, stringifyExactJson } from "./exact-json.ts";
import { shownUrl } from "./redact-url.ts";

export type PdFailure = "unreachable" | "timeout" | "http" | "bad_response" | "too_large";

/** A PD call that did not give a usable answer. `httpStatus` is PD's status for kind `http`. */
export class PdError extends OperatorError {
  constructor(
    readonly kind: PdFailure,
    message: string,
    readonly details: { endpoint?: string; path: string; httpStatus?: number },
    options?: ErrorOptions & { reason?: string },
  ) {
    super(`pd_${kind}`, message, exitCodeOf(kind, details.httpStatus), options);
    this.name = "PdError";
    this.reason = options?.reason ?? kind;
  }
  /** A few words on why (`connection refused`, `timed out after 5000 ms`), for lists of endpoints. */
  readonly reason: string;
  /** Whether trying again later can help (PD busy or away), as opposed to a request PD refused. */
  get isRetryable(): boolean {
    return this.kind !== "http" || (this.details.httpStatus ?? 500) >= 500;
  }
}

function exitCodeOf(kind: PdFailure, status: number | undefined): 1 | 2 | 3 {
  if (kind === "unreachable" || kind === "timeout") return 3;
  if (kind === "http" && status !== undefined && status < 500) return 2;
  return 1;
}

export interface PdHttpOptions {
  /** PD client URLs (`http://pd1:2379`), tried in order; the last one that answered goes first. */
  urls: string[];
  /** Per attempt, ms. */
  timeoutMs: number;
  /** Larger bodies are refused rather than buffered (a full region list can be huge). */
  maxBodyBytes?: number;
}

export interface PdRequest {
  method?: "GET" | "POST" | "DELETE";
  /** Below `/pd/api/v1`, with its query string (`/stores`, `/regions/check/down-peer`). */
  path: string;
  /** Sent as JSON; bigint values go out as exact integer literals. */
  body?: unknown;
  signal?: AbortSignal;
}

export interface EndpointStatus {
  url: string;
  reachable: boolean;
  error?: string;
}

const API_PREFIX = "/pd/api/v1";
const DEFAULT_MAX_BODY_BYTES = 64 * 2 ** 20;

export class PdHttp {
  private preferred = 0;

  constructor(private readonly options: PdHttpOptions) {
    if (options.urls.length === 0) throw new Error("PdHttp needs at least one PD URL");
  }


  /** PD's answer, parsed with exact ids; `null` for an empty body. Throws PdError. */
  async call(request: PdRequest): Promise<unknown> {
    const { urls } = this.options;
    const failures: PdError[] = [];
    for (let attempt = 0; attempt < urls.length; attempt++) {
      const index = (this.preferred + attempt) % urls.length;
      const url = urls[index]!;
      try {
        const value = await this.callOne(url, request);
        this.preferred = index;
        return value;
      } catch (error) {
        if (!(error instanceof PdError)) throw error;
        if (answeredAnyway(error) || request.signal?.aborted) throw error;
        failures.push(error);
      }
    }
    if (failures.length === 1) throw failures[0]!;
    throw new PdError(
      "unreachable",
      `no PD endpoint answered ${request.method ?? "GET"} ${API_PREFIX}${request.path}: ${failures.map((f) => `${f.details.endpoint} (${f.reason})`).join(", ")}`,
      { path: request.path },
      { cause: failures[0] },
    );
  }

  /** Asks every endpoint for `/ping`: which PD members answer at all. */
  async probe(signal?: AbortSignal): Promise<EndpointStatus[]> {
    return Promise.all(
      this.options.urls.map(async (url): Promise<EndpointStatus> => {
        try {
          await this.callOne(url, { path: "/ping", signal });
          return { url: shownUrl(url), reachable: true };
        } catch (error) {
          if (!(error instanceof PdError)) throw error;
          return answeredAnyway(error) ? { url: shownUrl(url), reachable: true } : { url: shownUrl(url), reachable: false, error: error.message };
        }
      }),
    );
  }

  private async callOne(target: string, request: PdRequest): Promise<unknown> {
    const method = request.method ?? "GET";
    const path = `${API_PREFIX}${request.path}`;
    const url = shownUrl(target);
    const where = { endpoint: url, path };
    const maxBytes = this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const answer = await fetchText(`${target}${path}`, {
      method,
      headers: request.body === undefined ? {} : { "content-type": "application/json" },
      body: request.body === undefined ? undefined : stringifyExactJson(request.body),
    }, { timeoutMs: this.options.timeoutMs, maxBytes, signal: request.signal, acceptStatus: (s) => s >= 200 && s < 300, readRefusedBody: true, checkContentLength: true });
    if (!answer.ok) {
      const { kind, status, text = "", declaredBytes, cause } = answer.failure;
      if (kind === "status") throw new PdError("http", `PD at ${url} answered ${status} to ${method} ${path}: ${errorText(text)}`, { ...where, httpStatus: status });
      if (kind === "too_large") {
        const size = declaredBytes === undefined ? "answer is" : `answer of ${declaredBytes} bytes is`;
        throw new PdError("too_large", `PD at ${url}: ${size} over the ${maxBytes}-byte limit (${method} ${path})`, where);
      }
      if (kind === "timeout" && !request.signal?.aborted) {
        const reason = `no answer within ${this.options.timeoutMs} ms`;
        throw new PdError("timeout", `PD at ${url} did not answer ${method} ${path} within ${this.options.timeoutMs} ms`, where, { cause, reason });
      }
      const reason = networkReason(cause);
      throw new PdError("unreachable", `PD at ${url} is unreachable (${method} ${path}): ${reason}`, where, { cause, reason });
    }
    const text = answer.body;
    if (text.trim() === "") return null;
    try {
      return parseExactJson(text);
    } catch (error) {
      throw new PdError("bad_response", `PD at ${url} answered ${method} ${path} with a body that is not JSON: ${clip(text)}`, where, { cause: error });
    }
  }
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ConnectionRefused: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  EHOSTUNREACH: "host unreachable",
  ETIMEDOUT: "connect timed out",
};

/** `connection refused` rather than the runtime's sentence about it. */
function networkReason(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && NETWORK_REASONS[code]) return NETWORK_REASONS[code];
  return error instanceof Error ? error.message : String(error);
}

/** PD answered, if not well: trying another endpoint would not help. */
const answeredAnyway = (error: PdError) => error.kind === "http" || error.kind === "bad_response" || error.kind === "too_large";

/** PD's errors are JSON strings (`"[PD:region:ErrRegionNotFound]region 7 not found"`); Go's mux says plain text. */
function errorText(body: string): string {
  try {
    const value = JSON.parse(body);
    if (typeof value === "string") return value;
    if (value && typeof value === "object" && typeof (value as { message?: unknown }).message === "string") return (value as { message: string }).message;
  } catch {
    // not JSON: show the text itself
  }
  return clip(body) || "(empty body)";
}

const clip = (text: string) => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
};
