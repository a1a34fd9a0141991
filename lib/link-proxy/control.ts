// The link proxy's control: a loopback HTTP port (no root needed) that reads and changes the
// link's latency, jitter and cut, behind a bearer token when one is given; and its client.
import { timingSafeEqual } from "node:crypto";
import { unreachableError, usageError } from "../cli/errors.ts";
import { fetchJson } from "../http/bounded-fetch.ts";
import type { LinkCounters, LinkProxy, LinkSettings } from "./proxy.ts";

/** The control API's JSON (snake_case on the wire). */
export interface LinkStatus {
  latency_ms: number;
  jitter_ms: number;
  cut: boolean;
  connections: number;
  open: number;
  bytes_up: number;
  bytes_down: number;
  dropped_bytes: number;
}

const toStatus = (s: LinkSettings, c: LinkCounters): LinkStatus => ({
  latency_ms: s.latencyMs,
  jitter_ms: s.jitterMs,
  cut: s.cut,
  connections: c.connections,
  open: c.open,
  bytes_up: c.bytesUp,
  bytes_down: c.bytesDown,
  dropped_bytes: c.droppedBytes,
});

const json = (status: number, body: unknown) => Response.json(body, { status });

function authorized(request: Request, token: string | undefined): boolean {
  if (!token) return true;
  const given = Buffer.from(request.headers.get("authorization") ?? "");
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function parseUpdate(body: unknown): Partial<LinkSettings> | string {
  if (!body || typeof body !== "object") return "the body must be a JSON object";
  const b = body as Record<string, unknown>;
  const update: Partial<LinkSettings> = {};
  for (const [field, key] of [["latency_ms", "latencyMs"], ["jitter_ms", "jitterMs"]] as const) {
    if (b[field] === undefined) continue;
    if (typeof b[field] !== "number" || !Number.isFinite(b[field]) || (b[field] as number) < 0) return `${field} must be a number of milliseconds >= 0`;
    update[key] = b[field] as number;
  }
  if (b.cut !== undefined) {
    if (typeof b.cut !== "boolean") return "cut must be true or false";
    update.cut = b.cut;
  }
  return update;
}

/** Serves `GET /link` and `PUT /link {latency_ms?, jitter_ms?, cut?}` on 127.0.0.1. */
export function serveLinkControl(proxy: LinkProxy, options: { port: number; token?: string }) {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: options.port,
    async fetch(request) {
      if (new URL(request.url).pathname !== "/link") return json(404, { error: "not_found", message: "use GET or PUT /link" });
      if (!authorized(request, options.token)) return json(401, { error: "unauthorized", message: "send Authorization: Bearer <token> (the cluster's admin token)" });
      if (request.method === "GET") return json(200, toStatus(proxy.settings(), proxy.counters()));
      if (request.method !== "PUT") return json(405, { error: "method_not_allowed", message: "use GET or PUT /link" });
      const update = parseUpdate(await request.json().catch(() => undefined));
      if (typeof update === "string") return json(400, { error: "invalid_body", message: update });
      proxy.update(update);
      return json(200, toStatus(proxy.settings(), proxy.counters()));
    },
  });
}

/** Reads a link's status; throws an unreachable error when its control does not answer. */
export async function readLink(controlUrl: string, token: string | undefined): Promise<LinkStatus> {
  return callLink(controlUrl, token, { method: "GET" });
}

export async function updateLink(controlUrl: string, token: string | undefined, update: { latency_ms?: number; jitter_ms?: number; cut?: boolean }): Promise<LinkStatus> {
  return callLink(controlUrl, token, { method: "PUT", body: JSON.stringify(update), headers: { "content-type": "application/json" } });
}

async function callLink(controlUrl: string, token: string | undefined, init: RequestInit & { headers?: Record<string, string> }): Promise<LinkStatus> {
  const headers = { ...init.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  // No body cap: the control is our own process on loopback, and the deadline bounds the read.
  const answer = await fetchJson(`${controlUrl}/link`, { ...init, headers }, { timeoutMs: 2000, maxBytes: Number.POSITIVE_INFINITY });
  if (!answer.ok && answer.failure.status === undefined) {
    throw unreachableError("link_unreachable", `the link proxy control at ${controlUrl} does not answer: is the cluster up? (operator cluster status)`, { cause: answer.failure.cause });
  }
  const status = answer.ok ? answer.status : answer.failure.status!;
  const body = (answer.ok ? answer.body : {}) as LinkStatus & { message?: string };
  if (status < 200 || status >= 300) throw usageError("link_refused", `the link proxy at ${controlUrl} refused: ${body.message ?? status}`);
  return body;
}
