// Peer (e), informational: peer (d) with Bun's built-in RedisClient (auto-pipelined by default)
// in place of ioredis, to show what the Redis client costs on the hot path. EVALSHA by hand,
// with SCRIPT LOAD again on NOSCRIPT.
import { RedisClient } from "bun";
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
const redis = new RedisClient(values["redis-url"]!);
let sha = (await redis.send("SCRIPT", ["LOAD", gcraScript])) as string;

async function gcra(key: string, cost: number): Promise<[number, number, number, number]> {
  const args = [sha, "1", key, String(limit), String(windowMs), String(cost)];
  try {
    return await redis.send("EVALSHA", args);
  } catch (error) {
    if (!String((error as Error).message).includes("NOSCRIPT")) throw error;
    sha = (await redis.send("SCRIPT", ["LOAD", gcraScript])) as string;
    return redis.send("EVALSHA", [sha, ...args.slice(1)]);
  }
}

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
    const [allowed, remaining, resetMs, retryAfterMs] = await gcra(`rl:{${key}}`, cost as number);
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

console.log(JSON.stringify({ url: server.url.href.replace(/\/$/, "") }));
process.on("SIGTERM", () => server.stop(true).then(() => redis.close()).then(() => process.exit(0)));
