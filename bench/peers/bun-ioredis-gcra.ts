// Peer (d), what a careful engineer writes in ~60 lines: Bun.serve + ioredis with auto-pipelining
// + one script by EVALSHA (ioredis defineCommand retries NOSCRIPT with EVAL): GCRA, or the script
// it is given (--script FILE --keys "a:{%s},b:{%s}"), called the node's way: KEYS from the key,
// ARGV limit, window_ms, cost; reply [decision (1 allowed), limit, remaining, reset_ms, retry_after_ms].
import Redis from "ioredis";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import gcraScript from "./gcra.lua" with { type: "text" };

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "redis-url": { type: "string", default: "redis://127.0.0.1:6379" },
    limit: { type: "string", default: "100" },
    "window-ms": { type: "string", default: "60000" },
    script: { type: "string" },
    keys: { type: "string", default: "rl:{%s}" },
    algorithm: { type: "string", default: "gcra" },
  },
});
const given = values.script !== undefined;
const keyTemplates = values.keys!.split(",");
const limit = Number(values.limit);
const windowMs = Number(values["window-ms"]);
const redis = new Redis(values["redis-url"]!, { enableAutoPipelining: true });
redis.defineCommand("limit", { numberOfKeys: keyTemplates.length, lua: given ? readFileSync(values.script!, "utf8") : gcraScript });
type Limit = (...args: (string | number)[]) => Promise<number[]>;
const limitScript = (redis as unknown as { limit: Limit }).limit.bind(redis);

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
    const reply = await limitScript(...keyTemplates.map((template) => template.replace("%s", key)), limit, windowMs, cost as number);
    const [allowed, remaining, resetMs, retryAfterMs] = (given ? [reply[0] === 1 ? 1 : 0, reply[2], reply[3], reply[4]] : reply) as [number, number, number, number];
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
      { allowed: allowed === 1, key, limit, remaining, reset_ms: resetMs, retry_after_ms: retryAfterMs, algorithm: values.algorithm },
      { status: allowed ? 200 : 429, headers },
    );
  },
});

await redis.ping();
console.log(JSON.stringify({ url: server.url.href.replace(/\/$/, "") }));
process.on("SIGTERM", () => server.stop(true).then(() => redis.quit()).then(() => process.exit(0)));
