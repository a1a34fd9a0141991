// The bench's peers must answer a check as a node does (status, body, headers) and actually
// limit, or their figures would compare unlike work.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedis } from "../../test/fixtures/redis.ts";
import { nodeScript } from "../contenders.ts";
import { startServer } from "../processes.ts";

const PEERS_DIR = import.meta.dir;

async function check(url: string, key: string) {
  const response = await fetch(`${url}/api/v1/check`, { method: "POST", body: JSON.stringify({ key, cost: 1 }), headers: { "Content-Type": "application/json" } });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body, limit: response.headers.get("x-ratelimit-limit"), retryAfter: response.headers.get("retry-after") };
}

describe("limiting peers", () => {
  for (const [name, command] of [
    ["node-flexible", ["node", join(PEERS_DIR, "node-flexible.mjs")]],
    ["bun-ioredis-gcra", ["bun", join(PEERS_DIR, "bun-ioredis-gcra.ts")]],
    ["bun-redis-gcra", ["bun", join(PEERS_DIR, "bun-redis-gcra.ts")]],
  ] as const) {
    test(`${name} admits the limit, then answers 429 with Retry-After`, async () => {
      await using redis = await startRedis();
      const server = await startServer(name, [...command, "--port", "0", "--redis-url", redis.url, "--limit", "2", "--window-ms", "60000"]);
      try {
        const answers = [await check(server.url, "a"), await check(server.url, "a"), await check(server.url, "a")];
        expect(answers.map((answer) => [answer.status, answer.body.allowed, answer.body.remaining, answer.limit])).toEqual([
          [200, true, 1, "2"],
          [200, true, 0, "2"],
          [429, false, 0, "2"],
        ]);
        expect(Number(answers[2]!.retryAfter)).toBeGreaterThan(0);
        expect(Object.keys(answers[0]!.body).sort()).toEqual(["algorithm", "allowed", "key", "limit", "remaining", "reset_ms", "retry_after_ms"]);
      } finally {
        await server.stop();
      }
    });
  }
});

test("http-ceiling answers the same JSON shape without Redis", async () => {
  const server = await startServer("http-ceiling", ["bun", join(PEERS_DIR, "http-ceiling.ts"), "--port", "0", "--limit", "5"]);
  try {
    const answer = await check(server.url, "b");
    expect(answer).toEqual({
      status: 200,
      body: { allowed: true, key: "b", limit: 5, remaining: 4, reset_ms: 0, retry_after_ms: 0, algorithm: "none" },
      limit: "5",
      retryAfter: null,
    });
  } finally {
    await server.stop();
  }
});

test("bun-ioredis-gcra given the node's own script of each algorithm limits the node's way", async () => {
  const dir = mkdtempSync(join(tmpdir(), "peer-d-"));
  await using redis = await startRedis();
  try {
    for (const algorithm of ["gcra", "sliding-log", "sliding-window", "fixed-window"] as const) {
      const script = (await nodeScript(algorithm, dir))!;
      const server = await startServer(`d ${algorithm}`, [
        "bun", join(PEERS_DIR, "bun-ioredis-gcra.ts"), "--port", "0", "--redis-url", redis.url, "--limit", "2", "--window-ms", "60000",
        "--script", script.file, "--keys", script.keys, "--algorithm", algorithm,
      ]);
      try {
        const key = `same-${algorithm}`;
        const answers = [await check(server.url, key), await check(server.url, key), await check(server.url, key)];
        expect(answers.map((answer) => [answer.status, answer.body.allowed, answer.body.remaining, answer.body.algorithm])).toEqual([
          [200, true, 1, algorithm],
          [200, true, 0, algorithm],
          [429, false, 0, algorithm],
        ]);
        // The node's own keys: its script, called the node's way, wrote the node's counter.
        expect(await redis.cli("KEYS", `ratelimit:{${key}}:*`)).not.toBe("");
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
