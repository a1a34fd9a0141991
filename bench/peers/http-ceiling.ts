// Peer (b), the HTTP-bound ceiling: a bare Bun.serve that parses the check body and answers the
// same JSON and headers as a node, with no Redis and no limiter behind it.
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "redis-url": { type: "string" }, // accepted like every peer's, and unused: no Redis here
    limit: { type: "string", default: "100" },
    "window-ms": { type: "string", default: "60000" },
  },
});
const limit = Number(values.limit);
const windowSeconds = Math.ceil(Number(values["window-ms"]) / 1000);

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(values.port),
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return Response.json({ status: "ok" });
    if (url.pathname !== "/api/v1/check" || request.method !== "POST") return Response.json({ error: "not_found", message: "no such route" }, { status: 404 });
    const body = (await request.json()) as { key: string; cost?: number };
    const remaining = limit - (body.cost ?? 1);
    return Response.json(
      { allowed: true, key: body.key, limit, remaining, reset_ms: 0, retry_after_ms: 0, algorithm: "none" },
      {
        headers: {
          "X-RateLimit-Limit": String(limit),
          "X-RateLimit-Remaining": String(remaining),
          "X-RateLimit-Reset": "0",
          "RateLimit-Policy": `"default";q=${limit};w=${windowSeconds}`,
          RateLimit: `"default";r=${remaining};t=0`,
        },
      },
    );
  },
});

console.log(JSON.stringify({ url: server.url.href.replace(/\/$/, "") }));
process.on("SIGTERM", () => server.stop(true).then(() => process.exit(0)));
