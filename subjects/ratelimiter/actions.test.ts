import { expect, test } from "bun:test";
import { checkCall } from "../../lib/actions/action-call.ts";
import { toJsonSchema } from "../../lib/diagnosis/json-schema.ts";
import { check, startTestNodes } from "../../test/fixtures/node.ts";
import { startRedis } from "../../test/fixtures/redis.ts";
import { executeRatelimiterAction, ratelimiterActions, type RatelimiterActionContext } from "./actions.ts";

const signal = () => AbortSignal.timeout(10_000);

test("actions and tools carry the risks of the safety model, and every schema renders for an LLM", () => {
  expect(ratelimiterActions.map((a) => `${a.name}:${a.kind === "tool" ? "tool" : a.risk}`)).toEqual([
    "reset_counter:low", "update_limit:medium", "block_key:medium", "unblock_key:medium",
    "drain_node:high", "undrain_node:high", "restart_node:high",
    "get_counter:tool", "get_limit:tool", "list_hot_keys:tool", "node_info:tool", "redis_info:tool",
  ]);
  for (const a of ratelimiterActions) expect(toJsonSchema(a.params)).toMatchObject({ type: "object" });
});

test("params that fail a schema are refused with the field and the rule", () => {
  const refused = [
    checkCall(ratelimiterActions, "action", "update_limit", { key: "user:1", limit: 0, window_ms: 1000 }),
    checkCall(ratelimiterActions, "action", "update_limit", { key: "user:1", limit: 5, window_ms: 1000, algorithm: "leaky" }),
    checkCall(ratelimiterActions, "action", "reset_counter", { key: "" }),
    checkCall(ratelimiterActions, "action", "block_key", { key: "a\nb" }),
    checkCall(ratelimiterActions, "action", "get_counter", { key: "a" }),
  ].map((c) => (c.ok ? "ok" : c.reason));
  expect(refused).toEqual([
    "params of update_limit are invalid: limit: Invalid value: Expected >=1 but received 0",
    'params of update_limit are invalid: algorithm: Invalid type: Expected ("fixed-window" | "sliding-window" | "sliding-log" | "gcra") but received "leaky"',
    "params of reset_counter are invalid: key: Invalid length: Expected >=1 but received 0",
    "params of block_key are invalid: key: must not contain control characters",
    '"get_counter" is a read-only tool, not an action: use one of reset_counter, update_limit, block_key, unblock_key, drain_node, undrain_node, restart_node',
  ]);
});

test("restart_node outside a local cluster says it cannot, and changes nothing", async () => {
  const result = await executeRatelimiterAction("restart_node", { node: "a" }, { nodes: async () => [{ id: "a", url: "http://127.0.0.1:9" }] }, signal());
  expect(result).toEqual({ ok: false, message: "restart_node works only on a local cluster (operator cluster up): this deployment has no process supervisor", retryable: false });
});

test("a node that does not answer is a retryable failure naming it", async () => {
  const result = await executeRatelimiterAction("reset_counter", { key: "user:1" }, { nodes: async () => [{ id: "a", url: "http://127.0.0.1:9" }] }, signal());
  expect(result.ok).toBe(false);
  expect(result.retryable).toBe(true);
  expect(result.message).toStartWith("no node answered: node a (http://127.0.0.1:9) did not answer POST /api/v1/counters/user%3A1/reset");
});

test("redis_info reads one INFO section from the store", async () => {
  await using redis = await startRedis();
  const result = await executeRatelimiterAction("redis_info", { section: "memory" }, { nodes: async () => [], redisUrl: redis.url }, signal());
  expect(result.ok).toBe(true);
  expect(Object.keys(result.data as object)).toContain("used_memory");
  await redis.stop();
  const down = await executeRatelimiterAction("redis_info", {}, { nodes: async () => [], redisUrl: redis.url }, signal());
  expect([down.ok, down.retryable]).toEqual([false, true]);
});

// ---- against real nodes sharing a real redis-server ----

const TOKEN = "admin-token-for-tests-1234";

async function cluster() {
  const redis = await startRedis();
  const nodes = await startTestNodes(2, { redisUrl: redis.url, adminToken: TOKEN, defaultLimit: 3, windowMs: 60_000 }, "n");
  const context: RatelimiterActionContext = { nodes: async () => nodes.map((n) => ({ id: n.nodeId, url: n.url })), adminToken: TOKEN, redisUrl: redis.url };
  const run = (name: string, params: unknown, ctx = context) => executeRatelimiterAction(name, params, ctx, signal());
  return {
    redis, nodes, context, run,
    async [Symbol.asyncDispose]() {
      await nodes[Symbol.asyncDispose]();
      await redis.stop();
    },
  };
}

test("update_limit, block_key, unblock_key and reset_counter change what checks answer", async () => {
  await using c = await cluster();
  const [a, b] = c.nodes;
  const key = "user:42/../x?y=1";
  expect(await c.run("update_limit", { key, limit: 1, window_ms: 60_000, algorithm: "gcra" })).toMatchObject({ ok: true, message: "limit of user:42/../x?y=1 set to 1 per 60000 ms (gcra)" });
  expect((await c.run("get_limit", { key })).data).toMatchObject({ key, limit: 1, window_ms: 60_000, algorithm: "gcra", source: "override" });
  expect((await check(b!.url, key)).status).toBe(200);
  expect((await check(a!.url, key)).status).toBe(429);
  expect(await c.run("reset_counter", { key })).toMatchObject({ ok: true, message: `counter of ${key} reset` });
  expect((await check(a!.url, key)).status).toBe(200);

  expect(await c.run("block_key", { key: "bot", ttl_ms: 60_000, reason: "abuse" })).toMatchObject({ ok: true, message: "bot blocked for 60000 ms" });
  expect((await check(b!.url, "bot")).status).toBe(429);
  expect(await c.run("unblock_key", { key: "bot" })).toMatchObject({ ok: true });
  expect((await check(b!.url, "bot")).status).toBe(200);
});

test("drain_node and undrain_node act on the named node only; node_info and hot keys read them", async () => {
  await using c = await cluster();
  const [a, b] = c.nodes;
  expect(await c.run("drain_node", { node: a!.nodeId })).toMatchObject({ ok: true, message: `node ${a!.nodeId} drained` });
  expect((await fetch(`${a!.url}/health`)).status).toBe(503);
  expect((await fetch(`${b!.url}/health`)).status).toBe(200);
  expect((await c.run("node_info", { node: a!.nodeId })).data).toMatchObject({ draining: true });
  expect(await c.run("undrain_node", { node: a!.nodeId })).toMatchObject({ ok: true });
  expect((await fetch(`${a!.url}/health`)).status).toBe(200);
  await check(b!.url, "hot");
  const hot = await c.run("list_hot_keys", { count: 5 });
  expect(hot.ok).toBe(true);
  expect((hot.data as any[]).map((n) => n.node)).toEqual([a!.nodeId, b!.nodeId]);
  expect(await c.run("drain_node", { node: "zz" })).toEqual({ ok: false, message: `no node "zz": known nodes are ${a!.nodeId}, ${b!.nodeId}`, retryable: false });
});

test("without the admin token an action is refused, says how to fix it, and is not retryable", async () => {
  await using c = await cluster();
  const result = await c.run("reset_counter", { key: "k" }, { ...c.context, adminToken: undefined });
  expect([result.ok, result.retryable]).toEqual([false, false]);
  expect(result.message).toMatch(/^node n-1 answered (401|403) to POST \/api\/v1\/counters\/k\/reset: .*the admin token is missing or wrong/);
  expect(JSON.stringify(result)).not.toContain(TOKEN);
});
