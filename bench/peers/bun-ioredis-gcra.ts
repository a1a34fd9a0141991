// Peer (d), what a careful engineer writes in ~60 lines: Bun.serve + ioredis with auto-pipelining
// + one GCRA script by EVALSHA (ioredis defineCommand retries NOSCRIPT with EVAL).
import Redis from "ioredis";
import { parseArgs } from "node:util";
import gcraScript from "./gcra.lua" with { type: "text" };

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "redis-url": { type: "string", default: "redis://127.0.0.1:6379" },
    limit: { type: "string", default: "100" },
    "window-ms": { type: "string", default: "60000" },
  },
});
const limit = Number(values.limit);
const windowMs = Number(values["window-ms"]);
const redis = new Redis(values["redis-url"]!, { enableAutoPipelining: true });
redis.defineCommand("gcra", { numberOfKeys: 1, lua: gcraScript });
type Gcra = (key: string, limit: number, windowMs: number, cost: number) => Promise<[number, number, number, number]>;
const gcra = (redis as unknown as { gcra: Gcra }).gcra.bind(redis);

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(values.port),
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return Response.json({ status: "ok" });
    if (url.pathname !== "/api/v1/check" || request.method !== "POST") return Response.json({ error: "not_found", message: "no such route" }, { status: 404 });
    const body = (await request.json().catch(() => null)) as { key?: unknown; cost?: unknown } | null;
    const key = body?.key;
    const cost = body?.cost ?? 1;
    if (typeof key !== "string" || key.length === 0 || key.length > 256 || !Number.isInteger(cost) || (cost as number) < 1) {
      return Response.json({ error: "invalid_body", message: "send {key: non-empty string, cost?: positive integer}" }, { status: 400 });
    }
    const [allowed, remaining, resetMs, retryAfterMs] = await gcra(`rl:{${key}}`, limit, windowMs, cost as number);
    const resetSeconds = Math.ceil(resetMs / 1000);
    const headers: Record<string, string> = {
      "X-RateLimit-Limit": String(limit),
      "X-RateLimit-Remaining": String(remaining),
      "X-RateLimit-Reset": String(resetSeconds),
      "RateLimit-Policy": `"default";q=${limit};w=${Math.ceil(windowMs / 1000)}`,
      RateLimit: `"default";r=${remaining};t=${resetSeconds}`,
    };
    if (!allowed) headers["Retry-After"] = String(Math.ceil(retryAfterMs / 1000));
    return Response.json(
      { allowed: allowed === 1, key, limit, remaining, reset_ms: resetMs, retry_after_ms: retryAfterMs, algorithm: "gcra" },
      { status: allowed ? 200 : 429, headers },
    );
  },
});

await redis.ping();
console.log(JSON.stringify({ url: server.url.href.replace(/\/$/, "") }));
process.on("SIGTERM", () => server.stop(true).then(() => redis.quit()).then(() => process.exit(0)));
