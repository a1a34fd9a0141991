// operator chaos on a real local cluster, Redis, link and key faults: each takes effect (seen
// from outside: writes fail, latency rises, a link stops, a key loses its TTL) and is reverted.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { downAll, eventually, portOf, redisCli, startLocalCluster, type LocalCluster } from "./fixtures/local-cluster.ts";

let cluster: LocalCluster;
let redisPort: number;
beforeAll(async () => {
  cluster = await startLocalCluster(["--nodes", "2", "--algorithm", "fixed-window", "--default-limit", "100000"]);
  redisPort = portOf(cluster.up.redis.urls[0]!);
}, 60_000);
afterAll(downAll);

const node = (id: string) => cluster.up.nodes.find((n) => n.id === id)!;
const linkPort = (id: string) => portOf(node(id).redis_url);
const inject = async (args: string[]) => {
  const result = await cluster.cli(["chaos", ...args, "--json"]);
  if (result.exitCode !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as { id: number; target: string; status: string };
};
const reverted = (id: number) =>
  eventually(
    async () => (JSON.parse((await cluster.cli(["chaos", "status", "--all", "--json"])).stdout).faults as { id: number; status: string; verified: boolean }[]).find((f) => f.id === id),
    (f) => f?.status === "reverted",
    20_000,
  );
/** How long a PING through `port` takes, or undefined when it gets no answer within the deadline. */
async function pingMs(port: number, timeoutMs = 1500): Promise<number | undefined> {
  const started = performance.now();
  return (await redisCli(port, ["PING"], timeoutMs)) === "PONG" ? performance.now() - started : undefined;
}

describe("chaos: Redis, link and key faults", () => {
  test("redis-pause --mode write: writes wait, reads pass; Redis resumes at expiry", async () => {
    const fault = await inject(["redis-pause", "--duration", "4s"]);
    expect(fault.target).toBe("redis");
    expect(await redisCli(redisPort, ["SET", "chaos-test", "1"], 700)).toBeUndefined();
    expect(await redisCli(redisPort, ["PING"])).toBe("PONG");
    expect(await reverted(fault.id)).toMatchObject({ verified: true });
    expect(await redisCli(redisPort, ["SET", "chaos-test", "1"])).toBe("OK");
  }, 30_000);

  test("redis-kill: Redis is gone, then restarted from its append-only file: no key is admitted past its limit by the restart", async () => {
    // Redis writes its append-only file before it answers; a killed process loses nothing written.
    expect(await redisCli(redisPort, ["SET", "survives-restart", "yes"])).toBe("OK");
    const token = readFileSync(cluster.up.admin_token_file, "utf8").trim();
    const limit = await fetch(`${node("a").url}/api/v1/limits/persisted`, { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ limit: 3, window_ms: 600_000 }) });
    expect(limit.status).toBe(200);
    const check = () => fetch(`${node("b").url}/api/v1/check`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ key: "persisted" }) }).then((r) => r.status);
    expect([await check(), await check(), await check(), await check()]).toEqual([200, 200, 200, 429]);

    const fault = await inject(["redis-kill", "--duration", "2s"]);
    expect(await redisCli(redisPort, ["PING"])).toStartWith("ERROR");
    expect(await reverted(fault.id)).toMatchObject({ verified: true });
    expect(await redisCli(redisPort, ["GET", "survives-restart"])).toBe("yes");
    const status = await cluster.status();
    expect(status.redis.pids[0]).not.toBe(cluster.up.redis.pids[0]);
    expect(await eventually(() => cluster.status(), (s) => s.healthy, 15_000)).toMatchObject({ healthy: true });
    // Every node is back on Redis (healthy), and the counter came back with it: the key stays at its limit.
    const mode = await fetch(`${node("b").url}/api/v1/node`).then((r) => r.json() as Promise<{ mode: string }>);
    expect([mode.mode, await check()]).toEqual(["redis", 429]);
  }, 40_000);

  test("redis-latency: one node's link slows down, the other's does not; reverted at expiry", async () => {
    const fault = await inject(["redis-latency", "--node", "a", "--latency", "200ms", "--jitter", "20ms", "--duration", "4s"]);
    expect(await pingMs(linkPort("a"))).toBeGreaterThanOrEqual(360);
    expect(await pingMs(linkPort("b"))).toBeDefined();
    expect(await reverted(fault.id)).toMatchObject({ verified: true });
    const link = (await cluster.status()).parts.find((p) => p.name === "link-a")!;
    expect([link.healthy, link.detail]).toEqual([true, expect.stringContaining("passes traffic")]);
  }, 30_000);

  test("partition: one node's link blackholes, the other passes; healed at expiry", async () => {
    const fault = await inject(["partition", "--node", "b", "--duration", "4s"]);
    expect(await pingMs(linkPort("b"), 800)).toBeUndefined();
    expect(await pingMs(linkPort("a"))).toBeDefined();
    expect(await reverted(fault.id)).toMatchObject({ verified: true });
    expect(await pingMs(linkPort("b"))).toBeDefined();
  }, 30_000);

  test("redis-oom: writes fail with OOM; maxmemory is restored", async () => {
    const fault = await inject(["redis-oom", "--duration", "4s"]);
    expect(await redisCli(redisPort, ["SET", "oom-test", "1"])).toStartWith("OOM command not allowed");
    expect(await reverted(fault.id)).toMatchObject({ verified: true });
    expect([await redisCli(redisPort, ["SET", "oom-test", "1"]), await redisCli(redisPort, ["CONFIG", "GET", "maxmemory"])]).toEqual(["OK", "maxmemory\n0"]);
  }, 30_000);

  test("stale-key: the counter loses its TTL (stuck), and gets it back", async () => {
    const fault = await inject(["stale-key", "--key", "sk", "--duration", "4s"]);
    expect(fault.target).toBe("key:sk");
    expect(await redisCli(redisPort, ["PTTL", "ratelimit:{sk}:fw"])).toBe("-1");
    expect(await reverted(fault.id)).toMatchObject({ verified: true });
    expect(Number(await redisCli(redisPort, ["PTTL", "ratelimit:{sk}:fw"]))).toBeGreaterThan(0);
  }, 30_000);

  test("hot-key: a burst of checks on one key shows in the nodes' hot keys, and stops", async () => {
    const fault = await inject(["hot-key", "--key", "hk", "--rate", "100", "--duration", "2s"]);
    const hot = await eventually(
      () => fetch(`${node("a").url}/api/v1/hot-keys?count=3`).then((r) => r.json() as Promise<unknown>),
      (body) => JSON.stringify(body).includes('"hk"'),
      5_000,
    );
    expect(JSON.stringify(hot)).toContain('"hk"');
    expect(await reverted(fault.id)).toMatchObject({ verified: true });
  }, 30_000);
});
