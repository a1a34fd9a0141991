// The node's HTTP API (hono). Handlers throw; renderError turns every error into
// {"error": code, "message"} with its 4xx/5xx status; an unknown error is logged and answered 500.
// The check route also stands alone (createCheckHandler) so the server can route it natively.
import { Hono, type Context } from "hono";
import { httpError, isOperatorError } from "../lib/cli/errors.ts";
import { requireAdmin } from "./admin-auth.ts";
import type { Checker } from "./check.ts";
import type { CheckResponder } from "./check-response.ts";
import { MAX_LIST_COUNT, type Counters } from "./counters.ts";
import type { HotKey } from "./hot-keys.ts";
import type { Limits } from "./limits.ts";
import type { NodeMetrics } from "./metrics.ts";
import type { RegisteredNode } from "./node-registry.ts";
import type { NodeLogger } from "./options.ts";
import { BlockBody, DrainBody, LimitBody, parseBody, parseCheckBody, pathKey, readJson } from "./request-bodies.ts";

/** What the routes need from a running node. */
export interface NodeContext {
  nodeId: string;
  adminToken?: string;
  checker: Checker;
  responder: CheckResponder;
  limits: Limits;
  counters: Counters;
  hotKeys(count: number): HotKey[];
  nodes(): Promise<RegisteredNode[]>;
  /** `GET /api/v1/node` (wire shape). */
  info(): Record<string, unknown>;
  /** Why the node cannot serve checks now (`draining`, `redis_unreachable`, `redis_slow`: it answers past the timeout), or undefined. */
  unavailableReason(): string | undefined;
  mode(): string;
  isDraining(): boolean;
  /** Takes one in-flight slot for a check; false past the bound (the check is shed). */
  enterCheck(): boolean;
  leaveCheck(): void;
  /** The 503 a shed check gets (counted). */
  shed(): Response;
  setDraining(drain: boolean): void;
  metrics: NodeMetrics;
  log: NodeLogger;
}

const DEFAULT_LIST_COUNT = 100;

function countParam(c: Context, fallback: number): number {
  const text = c.req.query("count");
  if (text === undefined) return fallback;
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < 1 || count > MAX_LIST_COUNT) {
    throw httpError(400, "invalid_query", `count "${text}" must be an integer from 1 to ${MAX_LIST_COUNT}`);
  }
  return count;
}

/** The one place errors become responses. */
export function renderError(error: unknown, request: Request, log: NodeLogger, headers?: Record<string, string>): Response {
  if (isOperatorError(error) && error.status < 600) {
    return Response.json({ error: error.code, message: error.message }, { status: error.status, ...(headers ? { headers } : {}) });
  }
  const { pathname } = new URL(request.url);
  log.error(`internal error on ${request.method} ${pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return Response.json({ error: "internal", message: "internal error: the node logged it" }, { status: 500 });
}

/** POST /api/v1/check, as a plain fetch handler: the hot path, kept free of routing and context objects. */
export function createCheckHandler(node: NodeContext): (request: Request) => Promise<Response> {
  return async (request) => {
    if (node.isDraining()) return renderError(httpError(503, "draining", `node ${node.nodeId} is draining: send checks to another node`), request, node.log);
    // Past the bound: answered at once, before the body is read; it admits and charges nothing.
    if (!node.enterCheck()) return node.shed();
    try {
      const { key, cost } = parseCheckBody(await readJson(request));
      return node.responder.respond(await node.checker.check(key, cost));
    } catch (error) {
      return renderError(error, request, node.log);
    } finally {
      node.leaveCheck();
    }
  };
}

export function createApp(node: NodeContext): Hono {
  const app = new Hono();
  const admin = requireAdmin(node.adminToken);
  // path pattern -> methods, for 405 with Allow on a known path and a wrong method
  const routes = new Map<string, string[]>();
  const route = <const P extends string>(method: "GET" | "POST" | "PUT" | "DELETE", path: P): P => {
    routes.set(path, [...(routes.get(path) ?? []), method]);
    return path;
  };

  const handleCheck = createCheckHandler(node);
  app.post(route("POST", "/api/v1/check"), (c) => handleCheck(c.req.raw));

  app.get(route("GET", "/api/v1/limits/:key"), async (c) => c.json(await node.limits.get(pathKey(c.req.param("key")))));
  app.put(route("PUT", "/api/v1/limits/:key"), admin, async (c) => {
    const key = pathKey(c.req.param("key"));
    const body = parseBody(LimitBody, await readJson(c.req.raw));
    return c.json(await node.limits.put(key, { limit: body.limit, windowMs: body.window_ms, ...(body.algorithm ? { algorithm: body.algorithm } : {}) }));
  });
  app.delete(route("DELETE", "/api/v1/limits/:key"), admin, async (c) => c.json(await node.limits.remove(pathKey(c.req.param("key")))));

  app.put(route("PUT", "/api/v1/blocks/:key"), admin, async (c) => {
    const key = pathKey(c.req.param("key"));
    const body = parseBody(BlockBody, await readJson(c.req.raw, {}));
    return c.json(await node.limits.block(key, { ...(body.ttl_ms ? { ttlMs: body.ttl_ms } : {}), ...(body.reason !== undefined ? { reason: body.reason } : {}) }));
  });
  app.delete(route("DELETE", "/api/v1/blocks/:key"), admin, async (c) => c.json(await node.limits.unblock(pathKey(c.req.param("key")))));

  app.get(route("GET", "/api/v1/counters"), async (c) => c.json(await node.counters.list(c.req.query("prefix") ?? "", countParam(c, DEFAULT_LIST_COUNT))));
  app.get(route("GET", "/api/v1/counters/:key"), async (c) => c.json(await node.counters.get(pathKey(c.req.param("key")))));
  app.post(route("POST", "/api/v1/counters/:key/reset"), admin, async (c) => c.json(await node.counters.reset(pathKey(c.req.param("key")))));

  app.get(route("GET", "/api/v1/hot-keys"), (c) => c.json(node.hotKeys(countParam(c, 10))));
  app.get(route("GET", "/api/v1/nodes"), async (c) => c.json(await node.nodes()));
  app.get(route("GET", "/api/v1/node"), (c) => c.json(node.info()));
  app.post(route("POST", "/api/v1/node/drain"), admin, async (c) => {
    const { drain } = parseBody(DrainBody, await readJson(c.req.raw));
    node.setDraining(drain);
    return c.json({ node_id: node.nodeId, draining: node.isDraining() });
  });

  app.get(route("GET", "/health"), (c) => {
    const reason = node.unavailableReason();
    return reason
      ? c.json({ status: "unavailable", reason, node_id: node.nodeId, mode: node.mode() }, 503)
      : c.json({ status: "ok", node_id: node.nodeId, mode: node.mode() });
  });
  app.get(route("GET", "/metrics"), async (c) => c.body(await node.metrics.render(), 200, { "Content-Type": node.metrics.contentType }));

  const patterns = [...routes].map(([path, methods]) => ({ pattern: new RegExp(`^${path.replace(/:[a-z]+/g, "[^/]+")}$`), methods }));
  app.notFound((c) => {
    const allowed = patterns.find((p) => p.pattern.test(c.req.path))?.methods;
    if (allowed) {
      const error = httpError(405, "method_not_allowed", `${c.req.method} is not allowed on ${c.req.path}: use ${allowed.join(" or ")}`);
      return renderError(error, c.req.raw, node.log, { Allow: allowed.join(", ") });
    }
    return renderError(httpError(404, "not_found", `no route ${c.req.method} ${c.req.path}: see the HTTP API in docs/ratelimiter-node.md (operator ratelimiter serve)`), c.req.raw, node.log);
  });
  app.onError((error, c) => renderError(error, c.req.raw, node.log));
  return app;
}
