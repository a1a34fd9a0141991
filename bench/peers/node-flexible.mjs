// Peer (c), what a Node user picks today: node:http + rate-limiter-flexible (RateLimiterRedis on
// ioredis with its defaults), run under node. Answers the same JSON and headers as a node.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import Redis from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "redis-url": { type: "string", default: "redis://127.0.0.1:6379" },
    limit: { type: "string", default: "100" },
    "window-ms": { type: "string", default: "60000" },
  },
});
const limit = Number(values.limit);
const windowSeconds = Math.ceil(Number(values["window-ms"]) / 1000);
const redis = new Redis(values["redis-url"]);
const limiter = new RateLimiterRedis({ storeClient: redis, points: limit, duration: windowSeconds, keyPrefix: "rlflx" });

function send(response, status, body, headers = {}) {
  response.writeHead(status, { "Content-Type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

function answer(response, key, result, allowed) {
  const resetSeconds = Math.ceil(result.msBeforeNext / 1000);
  const headers = {
    "X-RateLimit-Limit": String(limit),
    "X-RateLimit-Remaining": String(result.remainingPoints),
    "X-RateLimit-Reset": String(resetSeconds),
    "RateLimit-Policy": `"default";q=${limit};w=${windowSeconds}`,
    RateLimit: `"default";r=${result.remainingPoints};t=${resetSeconds}`,
  };
  if (!allowed) headers["Retry-After"] = String(resetSeconds);
  const body = { allowed, key, limit, remaining: result.remainingPoints, reset_ms: result.msBeforeNext, retry_after_ms: allowed ? 0 : result.msBeforeNext, algorithm: "fixed-window" };
  send(response, allowed ? 200 : 429, body, headers);
}

const server = createServer((request, response) => {
  if (request.url === "/health") return send(response, 200, { status: "ok" });
  if (request.url !== "/api/v1/check" || request.method !== "POST") return send(response, 404, { error: "not_found", message: "no such route" });
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return send(response, 400, { error: "invalid_json", message: "send a JSON body" });
    }
    const cost = body.cost ?? 1;
    if (typeof body.key !== "string" || body.key.length === 0 || !Number.isInteger(cost) || cost < 1) {
      return send(response, 400, { error: "invalid_body", message: "send {key: non-empty string, cost?: positive integer}" });
    }
    limiter.consume(body.key, cost).then(
      (result) => answer(response, body.key, result, true),
      (rejection) => (rejection instanceof Error ? send(response, 503, { error: "redis_error", message: rejection.message }) : answer(response, body.key, rejection, false)),
    );
  });
});

await redis.ping();
server.listen(Number(values.port), "127.0.0.1", () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` }));
});
process.on("SIGTERM", () => server.close(() => redis.quit().then(() => process.exit(0))));
