// The console's HTTP app (hono): the page, the JSON API under /api/v1 and the event stream, health
// and metrics. Handlers throw; onError is the one place an error becomes {"error", "message"}.
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { httpError, isOperatorError } from "../lib/cli/errors.ts";
import type { State } from "../lib/state/state.ts";
import { identify, type ConsoleEnv } from "./auth.ts";
import { eventStream } from "./events.ts";
import { mountIncidentRoutes } from "./incident-routes.ts";
import type { ConsoleMetrics } from "./metrics.ts";
import { monitorStatus } from "./monitor-status.ts";
import { pageAssets } from "./page.ts";
import { mountReadRoutes } from "./read-routes.ts";
import { MAX_BODY_BYTES } from "./request.ts";
import { mountSessionRoutes } from "./session-routes.ts";
import { mountWriteRoutes } from "./write-routes.ts";

export interface ConsoleContext {
  state: State;
  metrics: ConsoleMetrics;
  now?: () => number;
  /** Where the console logs a request that failed on our side (never a token: none is in a message). */
  logError: (line: string) => void;
}

/** Lib errors say `no_such_x` with the CLI's 400 (a usage error); over HTTP that is a 404. */
const statusOf = (code: string, status: number) => (status === 400 && code.startsWith("no_such_") ? 404 : status);

export function renderError(error: unknown, c: Context, logError: (line: string) => void): Response {
  if (isOperatorError(error) && error.status < 500) {
    return c.json({ error: error.code, message: error.message }, statusOf(error.code, error.status) as 400);
  }
  logError(`internal error on ${c.req.method} ${new URL(c.req.url).pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return c.json({ error: "internal", message: "internal error: the console logged it" }, 500);
}

const PAGE_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
};

export function createConsoleApp(ctx: ConsoleContext): Hono<ConsoleEnv> {
  const { state, metrics } = ctx;
  const now = ctx.now ?? Date.now;
  const app = new Hono<ConsoleEnv>();
  app.use(async (c, next) => {
    await next();
    metrics.count(c.req.method, c.req.routePath, c.res.status);
  });
  app.onError((error, c) => renderError(error, c, ctx.logError));
  app.notFound((c) => c.json({ error: "not_found", message: `no such path ${new URL(c.req.url).pathname}: the API lives under /api/v1/` }, 404));

  const assets = pageAssets();
  app.get("/", (c) => c.body(assets.html, 200, { ...PAGE_HEADERS, "content-type": "text/html; charset=utf-8" }));
  app.get("/app.js", (c) => c.body(assets.js, 200, { ...PAGE_HEADERS, "content-type": "text/javascript; charset=utf-8" }));
  app.get("/app.css", (c) => c.body(assets.css, 200, { ...PAGE_HEADERS, "content-type": "text/css; charset=utf-8" }));
  app.get("/healthz", (c) => c.json({ status: "ok", ...monitorStatus(state, now()) }));
  app.get("/metrics", async (c) => c.body(await metrics.registry.metrics(), 200, { "content-type": metrics.registry.contentType }));

  const api = new Hono<ConsoleEnv>();
  api.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw httpError(413, "body_too_large", `the body is over ${MAX_BODY_BYTES} bytes: a decision's reason fits in far less`); } }));
  mountSessionRoutes(api, state, now);
  api.use(identify(state, now));
  mountIncidentRoutes(api, state);
  mountReadRoutes(api, state, now);
  mountWriteRoutes(api, state, now);
  api.get("/events", (c) => eventStream(c, state, c.get("caller"), now));
  app.route("/api/v1", api);
  return app;
}
