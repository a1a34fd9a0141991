// `operator ratelimiter serve` as a script runs it: the start line, graceful stop on signals,
// deregistration, and no password in anything it prints.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { runCli } from "./fixtures/cli.ts";
import { check, spawnServe } from "./fixtures/node.ts";
import { startRedis } from "./fixtures/redis.ts";

// Real servers on a shared, often loaded machine: a generous budget per test (make test passes the same).
setDefaultTimeout(60_000);

describe("operator ratelimiter serve", () => {
  test("--json prints one start object first; SIGTERM finishes the in-flight check, deregisters, exits 0", async () => {
    await using redis = await startRedis();
    // --redis-timeout 5s: this test holds one check inside a Redis paused for 400 ms on purpose, and
    // it must still be waiting for Redis (not decided by the fail policy) when the node is stopped.
    await using serve = await spawnServe(["--port", "0", "--json", "--redis-url", redis.url, "--node-id", "a", "--redis-timeout", "5s"]);
    const start = JSON.parse(serve.startLine);
    expect(start).toEqual({
      node_id: "a",
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      redis_url: redis.url,
      algorithm: "sliding-log",
      default_limit: 10,
      window_ms: 60_000,
      fail_policy: "open",
      admin: false,
    });
    expect(await redis.cli("ZRANGE", "ratelimit:nodes:{registry}", "0", "-1")).toBe("a");

    // Hold one check inside Redis, stop the node meanwhile: the check still gets its answer.
    await redis.cli("CLIENT", "PAUSE", "400", "ALL");
    const inFlight = check(start.url, "held");
    await Bun.sleep(100);
    const stoppedAt = Date.now();
    const exited = serve.stop();
    expect((await inFlight).body).toMatchObject({ allowed: true, mode: "redis" });
    expect(await exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(await redis.cli("EXISTS", "ratelimit:node:{registry}:a", "ratelimit:nodes:{registry}")).toBe("0");
    expect(serve.stderr()).toContain("node a stopped");
  });

  test("human mode prints one line with the id and the URL; SIGINT stops it too", async () => {
    await using redis = await startRedis();
    await using serve = await spawnServe(["--port", "0", "--redis-url", redis.url, "--node-id", "b", "--algorithm", "gcra", "--default-limit", "5", "--window", "2m"]);
    expect(serve.startLine).toMatch(new RegExp(`^node b listening on http://127\\.0\\.0\\.1:\\d+ \\(redis ${redis.url}, gcra 5/2m, fail policy open\\)$`));
    serve.proc.kill("SIGINT");
    expect(await serve.proc.exited).toBe(0);
  });

  test("flags fall back to RATELIMITER_* env vars", async () => {
    await using redis = await startRedis();
    await using serve = await spawnServe(["--json"], {
      env: { RATELIMITER_PORT: "0", RATELIMITER_REDIS_URL: redis.url, RATELIMITER_NODE_ID: "env-node", RATELIMITER_FAIL_POLICY: "local", RATELIMITER_WINDOW: "30s" },
    });
    expect(JSON.parse(serve.startLine)).toMatchObject({ node_id: "env-node", fail_policy: "local", window_ms: 30_000 });
    expect(await serve.stop()).toBe(0);
  });

  test("a password in the Redis URL never appears in output or logs", async () => {
    await using redis = await startRedis(["--requirepass", "hunter2"]);
    const url = `redis://:hunter2@127.0.0.1:${redis.port}`;
    await using good = await spawnServe(["--port", "0", "--json", "--redis-url", url]);
    const start = JSON.parse(good.startLine);
    expect(start.redis_url).toBe(`redis://:***@127.0.0.1:${redis.port}`);
    expect((await check(start.url, "k")).body).toMatchObject({ mode: "redis" });
    const info = await (await fetch(`${start.url}/api/v1/node`)).text();
    expect(info).toContain(":***@");
    expect(info).not.toContain("hunter2");

    // A wrong password: the node starts in fallback and logs why, without the password.
    await using bad = await spawnServe(["--port", "0", "--json", "--redis-url", `redis://:letmein@127.0.0.1:${redis.port}`]);
    expect(bad.startLine).not.toContain("letmein");
    expect(await bad.stop()).toBe(0);
    expect(bad.stderr()).toContain(":***@");
    expect(bad.stderr()).not.toContain("letmein");
    expect(await good.stop()).toBe(0);
    expect(good.stderr()).not.toContain("hunter2");
  });

  test.each([
    [["--algorithm", "leaky"], '--algorithm "leaky" is not one of fixed-window, sliding-window, sliding-log, gcra (env RATELIMITER_ALGORITHM)'],
    [["--window", "0s"], '--window "0s" must be a positive duration such as 500ms, 10s or 2m (env RATELIMITER_WINDOW)'],
    [["--default-limit", "-5"], '--default-limit "-5" is not a positive integer (env RATELIMITER_DEFAULT_LIMIT)'],
    [["--redis-url", "redis://:hunter2@h1:1,h2:2"], '--redis-url: redis URL "redis://:***@h1:1,h2:2" names several hosts (a Redis Cluster is redis+cluster://)'],
  ])("bad flags %p exit 2 with one line", async (args, message) => {
    const result = await runCli(["ratelimiter", "serve", ...args]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toStartWith(`operator: ${message}`);
    expect(result.stderr.trim().split("\n").length).toBe(1);
  });

  test("--help lists every flag with its env var and default", async () => {
    const { exitCode, stdout } = await runCli(["ratelimiter", "serve", "--help"]);
    expect(exitCode).toBe(0);
    for (const env of ["HOST", "PORT", "REDIS_URL", "NODE_ID", "DEFAULT_LIMIT", "WINDOW", "ALGORITHM", "FAIL_POLICY", "REDIS_TIMEOUT", "ADMIN_TOKEN"]) {
      expect(stdout).toContain(`env RATELIMITER_${env}`);
    }
    expect(stdout).toContain("default sliding-log");
    expect(stdout).toContain("EXAMPLES");
  });
});
