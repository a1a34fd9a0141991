// The rate limiter's HTTP API as an operator uses it: admin calls carry the bearer token, answers
// are read with a bound, and every outcome is an ActionResult that says whether a retry can help.
import { fetchText } from "../../lib/http/bounded-fetch.ts";
import type { ActionResult } from "../../lib/subject/subject.ts";

export interface NodeTarget {
  id: string;
  /** Base URL, e.g. http://127.0.0.1:8081 */
  url: string;
}

export interface AdminClientOptions {
  /** The nodes to talk to, in order of preference. */
  nodes(): Promise<NodeTarget[]>;
  /** The admin bearer token (mutating endpoints); never printed. */
  adminToken?: string;
  /** Per-request deadline, ms. */
  requestTimeoutMs?: number;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** Thrown only for a node that gave no HTTP answer (refused, reset, timed out). */
class NoAnswer extends Error {}

async function call(node: NodeTarget, method: string, path: string, options: AdminClientOptions, signal: AbortSignal, body?: unknown, admin = false): Promise<ApiAnswer> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (admin && options.adminToken) headers.authorization = `Bearer ${options.adminToken}`;
  const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
  const answer = await fetchText(`${node.url}${path}`, init, { timeoutMs: options.requestTimeoutMs ?? 5_000, maxBytes: MAX_BODY_BYTES, signal });
  if (!answer.ok && answer.failure.status === undefined) {
    const { kind, cause } = answer.failure;
    throw new NoAnswer(`node ${node.id} (${node.url}) did not answer ${method} ${path}: ${kind === "timeout" || kind === "aborted" ? "timed out" : cause instanceof Error ? cause.message : String(cause)}`);
  }
  // A node that answered is an answer, whatever its body did: past the bound it reads as a note, broken off as nothing.
  const text = answer.ok ? answer.body : answer.failure.kind === "too_large" ? `(answer larger than ${MAX_BODY_BYTES} bytes)` : "";
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text for the message
  }
  return { status: answer.ok ? answer.status : answer.failure.status!, body: parsed };
}

function failure(node: NodeTarget, method: string, path: string, answer: ApiAnswer): ActionResult {
  const body = answer.body as { error?: string; message?: string } | null;
  const detail = body && typeof body === "object" && body.message ? `${body.error ?? "error"}: ${body.message}` : String(answer.body ?? "").slice(0, 200);
  const auth = answer.status === 401 || answer.status === 403;
  return {
    ok: false,
    message: `node ${node.id} answered ${answer.status} to ${method} ${path}: ${detail}${auth ? " (the admin token is missing or wrong: see the local deployment's token file or --admin-token)" : ""}`,
    retryable: answer.status === 429 || answer.status >= 500,
    data: answer.body,
  };
}

export interface AdminClient {
  /** On a given node (drain, node info, hot keys). */
  onNode(nodeId: string, method: string, path: string, signal: AbortSignal, body?: unknown, admin?: boolean): Promise<ActionResult>;
  /** On the first node that answers: for what lives in the shared store (limits, blocks, counters). */
  onAnyNode(method: string, path: string, signal: AbortSignal, body?: unknown, admin?: boolean): Promise<ActionResult>;
  nodes(): Promise<NodeTarget[]>;
}

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const attempt = async (node: NodeTarget, method: string, path: string, signal: AbortSignal, body: unknown, admin: boolean): Promise<ActionResult> => {
    const answer = await call(node, method, path, options, signal, body, admin);
    if (answer.status >= 200 && answer.status < 300) return { ok: true, message: `node ${node.id}: ${method} ${path} → ${answer.status}`, retryable: false, data: answer.body };
    return failure(node, method, path, answer);
  };
  return {
    nodes: () => options.nodes(),
    async onNode(nodeId, method, path, signal, body, admin = false) {
      const nodes = await options.nodes();
      const node = nodes.find((n) => n.id === nodeId);
      if (!node) return { ok: false, message: `no node "${nodeId}": known nodes are ${nodes.map((n) => n.id).join(", ") || "none"}`, retryable: false };
      try {
        return await attempt(node, method, path, signal, body, admin);
      } catch (error) {
        if (error instanceof NoAnswer) return { ok: false, message: error.message, retryable: true };
        throw error;
      }
    },
    async onAnyNode(method, path, signal, body, admin = false) {
      const nodes = await options.nodes();
      const misses: string[] = [];
      for (const node of nodes) {
        try {
          return await attempt(node, method, path, signal, body, admin);
        } catch (error) {
          if (!(error instanceof NoAnswer)) throw error;
          misses.push(error.message);
          if (signal.aborted) break;
        }
      }
      return { ok: false, message: misses.length ? `no node answered: ${misses.join("; ")}` : "no nodes known: start a cluster or pass --targets", retryable: true };
    },
  };
}
