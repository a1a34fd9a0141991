import { expect, test } from "bun:test";
import { checkCall } from "../../lib/actions/action-call.ts";
import { toJsonSchema } from "../../lib/diagnosis/json-schema.ts";
import { startRedis } from "../../test/fixtures/redis.ts";
import { executeRatelimiterAction, ratelimiterActions } from "./actions.ts";

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
