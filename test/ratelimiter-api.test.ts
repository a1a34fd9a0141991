// The rate limiter's HTTP API as a client sees it: two nodes on one private Redis.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { check, startTestNodes, type TestNode } from "./fixtures/node.ts";
import { startRedis, type RedisServer } from "./fixtures/redis.ts";

// Real servers on a shared, often loaded machine: a generous budget per test (make test passes the same).
setDefaultTimeout(60_000);

const TOKEN = "s3cret-admin-token";
let redis: RedisServer;
let nodes: TestNode[];
let a: string;
let b: string;

beforeAll(async () => {
  redis = await startRedis();
  nodes = await startTestNodes(2, { redisUrl: redis.url, algorithm: "fixed-window", defaultLimit: 3, windowMs: 60_000, adminToken: TOKEN, heartbeatMs: 200 });
  [a, b] = nodes.map((n) => n.url) as [string, string];
}, 60_000);
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await redis.stop();
}, 60_000);

const admin = { Authorization: `Bearer ${TOKEN}` };
// `any`: each test asserts the body it expects with toEqual.
const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });
const send = (url: string, method: string, body?: unknown, headers: Record<string, string> = admin) =>
  fetch(url, { method, headers, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) }).then(json);

describe("POST /api/v1/check", () => {
  test("allowed: 200, the body, legacy and IETF draft-10 headers", async () => {
    const { status, body, headers } = await check(a, "hdr");
    expect(status).toBe(200);
    expect(body).toEqual({ allowed: true, key: "hdr", limit: 3, remaining: 2, reset_ms: 60_000, retry_after_ms: 0, algorithm: "fixed-window", mode: "redis" });
    expect(Object.fromEntries([...headers].filter(([h]) => /ratelimit|retry/i.test(h)))).toEqual({
      "x-ratelimit-limit": "3",
      "x-ratelimit-remaining": "2",
      "x-ratelimit-reset": "60",
      "ratelimit-policy": '"default";q=3;w=60',
      ratelimit: '"default";r=2;t=60',
    });
  });

  test("denied: 429 with Retry-After no earlier than t", async () => {
    for (let i = 0; i < 3; i++) await check(a, "deny");
    const { status, body, headers } = await check(b, "deny");
    expect(status).toBe(429);
    expect(body).toMatchObject({ allowed: false, remaining: 0 });
    const t = Number(/;t=(\d+)/.exec(headers.get("ratelimit")!)![1]);
    expect(Number(headers.get("retry-after"))).toBeGreaterThanOrEqual(t);
    expect(t).toBeGreaterThan(0);
  });
});

describe("limits (overrides)", () => {
  test("an override set on one node applies on every node at once, and goes back to default", async () => {
    expect(await send(`${a}/api/v1/limits/vip`, "PUT", { limit: 5, window_ms: 10_000, algorithm: "gcra" })).toEqual({
      status: 200,
      body: { key: "vip", limit: 5, window_ms: 10_000, algorithm: "gcra", source: "override" },
    });
    expect(await send(`${b}/api/v1/limits/vip`, "GET")).toEqual({ status: 200, body: { key: "vip", limit: 5, window_ms: 10_000, algorithm: "gcra", source: "override" } });
    const { body, headers } = await check(b, "vip");
    expect(body).toMatchObject({ allowed: true, limit: 5, remaining: 4, algorithm: "gcra" });
    expect(headers.get("ratelimit-policy")).toBe('"override";q=5;w=10');
    expect(await send(`${b}/api/v1/limits/vip`, "DELETE")).toEqual({
      status: 200,
      body: { key: "vip", limit: 3, window_ms: 60_000, algorithm: "fixed-window", source: "default" },
    });
    expect((await check(a, "vip")).body).toMatchObject({ limit: 3, algorithm: "fixed-window" });
  });

  test("keys with slashes and unicode travel percent-encoded in the path", async () => {
    const key = "user/42 ü";
    const { body } = await send(`${a}/api/v1/limits/${encodeURIComponent(key)}`, "PUT", { limit: 1, window_ms: 1_000 });
    expect(body.key).toBe(key);
    expect((await check(b, key)).body).toMatchObject({ limit: 1, algorithm: "fixed-window" });
  });
});

describe("blocks", () => {
  test("a blocked key is denied on every node until the block is lifted", async () => {
    expect(await send(`${a}/api/v1/blocks/abuser`, "PUT", { reason: "abuse report 7" })).toEqual({
      status: 200,
      body: { key: "abuser", blocked: true, ttl_ms: -1, reason: "abuse report 7" },
    });
    const denied = await check(b, "abuser");
    expect(denied.status).toBe(429);
    expect(denied.body).toMatchObject({ allowed: false, blocked: true, reason: "abuse report 7", retry_after_ms: -1 });
    expect(await send(`${b}/api/v1/blocks/abuser`, "DELETE")).toEqual({ status: 200, body: { key: "abuser", blocked: false } });
    expect((await check(a, "abuser")).status).toBe(200);
  });

  test("a block with ttl_ms expires by itself; an empty body blocks until lifted", async () => {
    expect((await send(`${a}/api/v1/blocks/brief`, "PUT", { ttl_ms: 200 })).body).toMatchObject({ ttl_ms: 200 });
    const blocked = await check(a, "brief");
    expect(blocked.body).toMatchObject({ blocked: true });
    expect(blocked.body.retry_after_ms as number).toBeLessThanOrEqual(200);
    const deadline = Date.now() + 3_000;
    while ((await check(a, "brief")).status === 429 && Date.now() < deadline) await Bun.sleep(50);
    expect((await check(a, "brief")).status).toBe(200);
    expect((await fetch(`${a}/api/v1/blocks/forever`, { method: "PUT", headers: admin })).status).toBe(200);
    expect((await check(a, "forever")).body).toMatchObject({ blocked: true, reason: "" });
  });
});

describe("counters", () => {
  test("one counter, a bounded list by prefix, an idempotent reset", async () => {
    await check(a, "ctr:1");
    await check(b, "ctr:1");
    await check(a, "ctr:2");
    expect(await send(`${b}/api/v1/counters/ctr:1`, "GET")).toEqual({
      status: 200,
      body: { key: "ctr:1", count: 2, limit: 3, window_ms: 60_000, ttl_ms: expect.any(Number), algorithm: "fixed-window", source: "redis" },
    });
    const list = await send(`${a}/api/v1/counters?prefix=ctr:`, "GET");
    expect(list.body.map((c: { key: string; count: number }) => [c.key, c.count])).toEqual([["ctr:1", 2], ["ctr:2", 1]]);
    expect((await send(`${a}/api/v1/counters?prefix=ctr:&count=1`, "GET")).body.length).toBe(1);
    expect(await send(`${a}/api/v1/counters/ctr:1/reset`, "POST")).toEqual({ status: 200, body: { key: "ctr:1", reset: true, deleted: 1 } });
    expect(await send(`${a}/api/v1/counters/ctr:1/reset`, "POST")).toEqual({ status: 200, body: { key: "ctr:1", reset: true, deleted: 0 } });
    expect((await send(`${b}/api/v1/counters/ctr:1`, "GET")).body).toMatchObject({ count: 0, ttl_ms: -2 });
  });

  test("a counter whose TTL was removed from outside reports ttl_ms -1 and stays stuck", async () => {
    for (let i = 0; i < 3; i++) await check(a, "stale");
    await redis.cli("PERSIST", "ratelimit:{stale}:fw");
    expect((await send(`${b}/api/v1/counters/stale`, "GET")).body).toMatchObject({ count: 3, ttl_ms: -1 });
    expect((await check(b, "stale")).body).toMatchObject({ allowed: false, retry_after_ms: -1, reset_ms: -1 });
  });
});

describe("bad data in Redis", () => {
  test("a counter of the wrong type or an override naming an unknown algorithm: the fail policy decides, the node stays healthy", async () => {
    await using node = (await startTestNodes(1, { redisUrl: redis.url, algorithm: "fixed-window" }, "bad-data"))[0]!;
    await redis.cli("HSET", "ratelimit:{corrupt}:fw", "x", "1");
    await redis.cli("HSET", "ratelimit:{bogus}:limit", "limit", "5", "window_ms", "1000", "algorithm", "leaky-bucket");
    for (const key of ["corrupt", "bogus"]) {
      const result = await check(node.url, key);
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ allowed: true, mode: "fail-open" });
    }
    expect(await send(`${node.url}/health`, "GET")).toMatchObject({ status: 200, body: { mode: "redis" } });
    expect((await check(node.url, "clean-after-corrupt")).body).toMatchObject({ mode: "redis" });
  });
});

describe("node, nodes, hot keys, drain, health, metrics", () => {
  test("GET /api/v1/nodes lists both registered nodes", async () => {
    const { body } = await send(`${a}/api/v1/nodes`, "GET");
    expect(body.map((n: { node_id: string; url: string }) => [n.node_id, n.url]).sort()).toEqual([["node-1", a], ["node-2", b]]);
    expect(body[0]).toEqual({
      node_id: expect.any(String),
      url: expect.any(String),
      started_at: expect.any(String),
      heartbeat_at: expect.any(String),
      ttl_ms: expect.any(Number),
      algorithm: "fixed-window",
      fail_policy: "open",
      mode: "redis",
    });
  });

  test("GET /api/v1/node describes this node", async () => {
    // Both nodes started at once: the count of registered nodes is right from the next heartbeat on.
    const deadline = Date.now() + 3_000;
    let body = (await send(`${a}/api/v1/node`, "GET")).body;
    while (body.registered_nodes !== 2 && Date.now() < deadline) {
      await Bun.sleep(50);
      body = (await send(`${a}/api/v1/node`, "GET")).body;
    }
    expect(body).toEqual({
      node_id: "node-1",
      url: a,
      uptime_ms: expect.any(Number),
      redis: { connected: true, latency_ms: expect.any(Number), url: redis.url, kind: "standalone" },
      fail_policy: "open",
      mode: "redis",
      decisions: { allowed: expect.any(Number), denied: expect.any(Number), fallback: 0, shed: 0 },
      draining: false,
      algorithm: "fixed-window",
      default_limit: 3,
      window_ms: 60_000,
      redis_timeout_ms: 50,
      in_flight: 0,
      max_in_flight: 1_000,
      registered_nodes: 2,
    });
  });

  test("GET /api/v1/hot-keys ranks this node's keys", async () => {
    for (let i = 0; i < 6; i++) await check(b, "hot");
    const { body } = await send(`${b}/api/v1/hot-keys?count=1`, "GET");
    expect(body).toEqual([{ key: "hot", checks: 6, allowed: 3, denied: 3 }]);
  });

  test("drain: checks and health answer 503 until resumed", async () => {
    expect(await send(`${b}/api/v1/node/drain`, "POST", { drain: true })).toEqual({ status: 200, body: { node_id: "node-2", draining: true } });
    expect((await check(b, "drained")).body).toEqual({ error: "draining", message: "node node-2 is draining: send checks to another node" });
    expect(await send(`${b}/health`, "GET")).toEqual({ status: 503, body: { status: "unavailable", reason: "draining", node_id: "node-2", mode: "redis" } });
    await send(`${b}/api/v1/node/drain`, "POST", { drain: false });
    expect(await send(`${b}/health`, "GET")).toEqual({ status: 200, body: { status: "ok", node_id: "node-2", mode: "redis" } });
  });

  test("GET /metrics speaks Prometheus text with the documented names", async () => {
    await check(a, "metered");
    const response = await fetch(`${a}/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    for (const line of [
      /^ratelimiter_check_duration_seconds_bucket\{le="0.001"\} \d+$/m,
      /^ratelimiter_checks_total\{decision="allowed"\} [1-9]\d*$/m,
      /^ratelimiter_active_counters [1-9]\d*$/m,
      /^ratelimiter_redis_command_duration_seconds_count [1-9]\d*$/m,
      /^ratelimiter_redis_errors_total 0$/m,
      /^ratelimiter_redis_connected 1$/m,
      /^ratelimiter_fallback_decisions_total\{policy="open"\} 0$/m,
      /^ratelimiter_shed_total 0$/m,
      /^ratelimiter_mode\{mode="redis"\} 1$/m,
      /^ratelimiter_mode\{mode="fail-open"\} 0$/m,
    ]) {
      expect(text).toMatch(line);
    }
  });
});

describe("admin endpoints", () => {
  test("need the bearer token: 401 without or with a wrong one", async () => {
    expect(await send(`${a}/api/v1/limits/x`, "PUT", { limit: 1, window_ms: 1 }, {})).toEqual({
      status: 401,
      body: { error: "unauthorized", message: "admin endpoint: send Authorization: Bearer <token> with the node's admin token" },
    });
    expect((await send(`${a}/api/v1/counters/x/reset`, "POST", undefined, { Authorization: "Bearer wrong" })).status).toBe(401);
    expect((await send(`${a}/api/v1/node/drain`, "POST", { drain: true }, { Authorization: TOKEN })).status).toBe(401);
  });

  test("are off (403, saying how to turn them on) when the node has no token", async () => {
    await using node = (await startTestNodes(1, { redisUrl: redis.url }, "no-token"))[0]!;
    expect(await send(`${node.url}/api/v1/blocks/x`, "PUT", {}, admin)).toEqual({
      status: 403,
      body: { error: "admin_disabled", message: "admin endpoints are off: start the node with --admin-token (env RATELIMITER_ADMIN_TOKEN)" },
    });
  });
});

describe("bad input gets a 4xx JSON error and leaves the node healthy", () => {
  const big = JSON.stringify({ key: "k", pad: "x".repeat(9_000) });
  const cases: [string, string, string, unknown, number, string, string][] = [
    ["invalid JSON", "POST", "/api/v1/check", "{key:", 400, "invalid_json", "request body is not valid JSON: send JSON such as {\"key\":\"user:42\"}"],
    ["an empty body", "POST", "/api/v1/check", "", 400, "invalid_json", "request body is empty: send JSON such as {\"key\":\"user:42\"}"],
    ["a JSON array", "POST", "/api/v1/check", [], 400, "invalid_body", "request body must be a JSON object"],
    ["a missing key", "POST", "/api/v1/check", { cost: 1 }, 400, "invalid_key", "key is required"],
    ["a key of the wrong type", "POST", "/api/v1/check", { key: 42 }, 400, "invalid_key", "key must be a string, not 42"],
    ["an empty key", "POST", "/api/v1/check", { key: "" }, 400, "invalid_key", "key must not be empty"],
    ["a key over 256 bytes", "POST", "/api/v1/check", { key: "é".repeat(129) }, 400, "invalid_key", "key must be at most 256 bytes (UTF-8)"],
    ["control characters in a key", "POST", "/api/v1/check", { key: "a\nb" }, 400, "invalid_key", "key must not contain control characters"],
    ["a zero cost", "POST", "/api/v1/check", { key: "k", cost: 0 }, 400, "invalid_body", "cost must be at least 1"],
    ["a negative cost", "POST", "/api/v1/check", { key: "k", cost: -3 }, 400, "invalid_body", "cost must be at least 1"],
    ["a fractional cost", "POST", "/api/v1/check", { key: "k", cost: 1.5 }, 400, "invalid_body", "cost must be an integer"],
    ["a cost as text", "POST", "/api/v1/check", { key: "k", cost: "2" }, 400, "invalid_body", 'cost must be a number, not "2"'],
    ["a body over 8 KiB", "POST", "/api/v1/check", big, 413, "body_too_large", `request body is ${big.length} bytes: the limit is 8192 bytes (8 KiB)`],
    ["a zero limit", "PUT", "/api/v1/limits/k", { limit: 0, window_ms: 1000 }, 400, "invalid_body", "limit must be at least 1"],
    ["a negative window", "PUT", "/api/v1/limits/k", { limit: 5, window_ms: -1 }, 400, "invalid_body", "window_ms must be at least 1"],
    ["an unknown algorithm", "PUT", "/api/v1/limits/k", { limit: 5, window_ms: 1000, algorithm: "leaky" }, 400, "invalid_body", "algorithm must be one of fixed-window, sliding-window, sliding-log, gcra"],
    ["a bad drain flag", "POST", "/api/v1/node/drain", { drain: "yes" }, 400, "invalid_body", 'drain must be true or false, not "yes"'],
    ["a control character in a path key", "GET", "/api/v1/limits/a%00b", undefined, 400, "invalid_key", "key in the path must not contain control characters"],
    ["a bad count", "GET", "/api/v1/hot-keys?count=-1", undefined, 400, "invalid_query", 'count "-1" must be an integer from 1 to 1000'],
    ["an unknown route", "GET", "/api/v2/check", undefined, 404, "not_found", "no route GET /api/v2/check: see the HTTP API in docs/ratelimiter-node.md (operator ratelimiter serve)"],
    ["a wrong method", "DELETE", "/api/v1/check", undefined, 405, "method_not_allowed", "DELETE is not allowed on /api/v1/check: use POST"],
  ];
  test.each(cases)("%s", async (_, method, path, body, status, error, message) => {
    expect(await send(`${a}${path}`, method, body)).toEqual({ status, body: { error, message } });
    expect((await fetch(`${a}/health`)).status).toBe(200);
    expect((await check(a, "still-fine")).status).toBeOneOf([200, 429]);
  });

  test("a chunked body over 8 KiB is cut off with 413 too", async () => {
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1_024)));
        controller.close();
      },
    });
    const response = await fetch(`${a}/api/v1/check`, { method: "POST", body: stream });
    expect(await json(response)).toEqual({ status: 413, body: { error: "body_too_large", message: "request body is over the limit: the limit is 8192 bytes (8 KiB)" } });
  });

  test("405 names the allowed methods in Allow", async () => {
    const response = await fetch(`${a}/api/v1/limits/k`, { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, PUT, DELETE");
  });
});
