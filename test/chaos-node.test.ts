// operator chaos on a real local cluster, node faults: each takes effect (seen from outside) and
// is reverted by the watchdog, also when the injecting command was killed with kill -9.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnCli } from "./fixtures/cli.ts";
import { downAll, eventually, startLocalCluster, type LocalCluster } from "./fixtures/local-cluster.ts";
import { isAlive } from "./fixtures/processes.ts";

let cluster: LocalCluster;
beforeAll(async () => {
  cluster = await startLocalCluster(["--nodes", "3", "--default-limit", "100000"]);
}, 60_000);
afterAll(downAll);

const url = (id: string) => cluster.up.nodes.find((n) => n.id === id)!.url;
/** The /health status, or 0 when the node does not answer in time (generous: the machine is shared). */
const health = (id: string, timeoutMs = 2000) =>
  fetch(`${url(id)}/health`, { signal: AbortSignal.timeout(timeoutMs) }).then(
    (r) => r.status,
    () => 0,
  );
const faultRecord = async (id: number) => {
  const all = JSON.parse((await cluster.cli(["chaos", "status", "--all", "--json"])).stdout).faults as { id: number; status: string; verified: boolean }[];
  return all.find((f) => f.id === id);
};
const reverted = (id: number) => eventually(() => faultRecord(id), (f) => f?.status === "reverted", 20_000);

/** Spawns a long-running chaos command and waits for its "injected" line on stderr. */
async function spawnInjected(args: string[]) {
  const proc = spawnCli(["chaos", ...args, "--state-dir", cluster.stateDir]);
  const reader = proc.stderr.getReader();
  let seen = "";
  while (!seen.includes("injected")) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`chaos exited early: ${seen}`);
    seen += new TextDecoder().decode(chunk.value);
  }
  reader.releaseLock();
  return { proc, id: Number(/#(\d+)/.exec(seen)![1]) };
}

describe("chaos: node faults", () => {
  test("list names every fault; --dry-run prints the plan and touches nothing", async () => {
    const list = JSON.parse((await cluster.cli(["chaos", "list", "--json"])).stdout);
    expect(list.faults.map((f: { name: string }) => f.name)).toEqual(["node-kill", "node-pause", "node-drain", "redis-pause", "redis-kill", "redis-latency", "partition", "redis-oom", "stale-key", "hot-key", "edge-burst"]);
    const dry = await cluster.cli(["chaos", "node-kill", "--node", "b", "--dry-run", "--json"]);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, fault: "node-kill", target: "node:b", duration_ms: 10_000 });
    const random = await cluster.cli(["chaos", "node-pause", "--random", "--dry-run", "--json"]);
    expect(JSON.parse(random.stdout).target).toMatch(/^node:[abc]$/);
    expect(await health("b")).toBe(200);
    expect(JSON.parse((await cluster.cli(["chaos", "status", "--all", "--json"])).stdout).faults).toEqual([]);
  }, 30_000);

  test("node-kill: the node is gone, then restarted on its port after --restart-after", async () => {
    const before = cluster.up.nodes.find((n) => n.id === "b")!.pid;
    const result = await cluster.cli(["chaos", "node-kill", "--node", "b", "--restart-after", "2s", "--json"]);
    const record = JSON.parse(result.stdout);
    expect([result.exitCode, record.fault, record.target, record.status, record.verified]).toEqual([0, "node-kill", "node:b", "active", null]);
    expect([isAlive(before), await health("b")]).toEqual([false, 0]);
    expect(await eventually(() => health("b"), (s) => s === 200, 20_000)).toBe(200);
    expect(await reverted(record.id)).toMatchObject({ status: "reverted", verified: true });
    const now = (await cluster.status()).nodes.find((n) => n.id === "b")!;
    expect([now.url, now.pid === before, isAlive(now.pid)]).toEqual([url("b"), false, true]);
  }, 40_000);

  test("node-pause: the node answers nothing until SIGCONT at expiry", async () => {
    const record = JSON.parse((await cluster.cli(["chaos", "node-pause", "--node", "a", "--duration", "4s", "--json"])).stdout);
    expect(await health("a", 1000)).toBe(0);
    expect(await eventually(() => health("a"), (s) => s === 200, 20_000)).toBe(200);
    expect(await reverted(record.id)).toMatchObject({ verified: true });
  }, 40_000);

  test("node-drain: 503 while draining, named by loadgen's progress, 200 after", async () => {
    const record = JSON.parse((await cluster.cli(["chaos", "node-drain", "--node", "c", "--duration", "8s", "--json"])).stdout);
    expect(await health("c")).toBe(503);
    const load = await cluster.cli(["loadgen", "--rate", "30", "--duration", "1s", "--progress"]);
    const events = load.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(events[0].faults).toEqual([{ id: record.id, fault: "node-drain", target: "node:c" }]);
    const report = events.at(-1);
    expect(report.targets.find((t: { url: string }) => t.url === url("c")).errors).toBe(10);
    expect(report.errors.http_5xx).toBe(10);
    expect(await eventually(() => health("c"), (s) => s === 200, 20_000)).toBe(200);
    expect(await reverted(record.id)).toMatchObject({ verified: true });
  }, 40_000);

  test("the watchdog reverts at expiry after the injecting command was killed with kill -9", async () => {
    const { proc, id } = await spawnInjected(["node-pause", "--node", "b", "--duration", "4s", "--wait"]);
    proc.kill("SIGKILL");
    await proc.exited;
    expect(await health("b", 1000)).toBe(0);
    expect(await eventually(() => health("b"), (s) => s === 200, 20_000)).toBe(200);
    expect(await reverted(id)).toMatchObject({ status: "reverted", verified: true });
  }, 40_000);

  test("--wait: Ctrl-C reverts at once", async () => {
    const { proc, id } = await spawnInjected(["node-drain", "--node", "a", "--duration", "60s", "--wait"]);
    expect(await health("a")).toBe(503);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(0);
    expect(await health("a")).toBe(200);
    expect(await faultRecord(id)).toMatchObject({ status: "reverted", verified: true });
  }, 40_000);

  test("bad input: unknown node, unknown fault id, a second fault on one target, no target: exit 2; a node that is down: exit 3", async () => {
    const drain = JSON.parse((await cluster.cli(["chaos", "node-drain", "--node", "c", "--duration", "20s", "--json"])).stdout);
    const results = await Promise.all([
      cluster.cli(["chaos", "node-kill", "--node", "nosuch"]),
      cluster.cli(["chaos", "revert", "999"]),
      cluster.cli(["chaos", "node-pause", "--node", "c"]),
      cluster.cli(["chaos", "node-pause"]),
    ]);
    expect(results.map((r) => [r.exitCode, r.stderr])).toEqual([
      [2, 'operator: no node "nosuch" in this cluster: use one of a, b, c\n'],
      [2, `operator: no fault #999 in ${cluster.stateDir}: operator chaos status lists them\n`],
      [2, `operator: fault #${drain.id} (node-drain) is already active on node:c: revert it first (operator chaos revert ${drain.id}) or pass --stack\n`],
      [2, "operator: pick a node: --node ID (one of a, b, c) or --random\n"],
    ]);
    const revert = await cluster.cli(["chaos", "revert", String(drain.id), "--json"]);
    expect([revert.exitCode, JSON.parse(revert.stdout).status]).toEqual([0, "reverted"]);
    const again = await cluster.cli(["chaos", "revert", String(drain.id), "--json"]);
    expect([again.exitCode, JSON.parse(again.stdout).verified]).toEqual([0, true]);

    process.kill((await cluster.status()).nodes.find((n) => n.id === "c")!.pid, "SIGKILL");
    const down = await cluster.cli(["chaos", "node-pause", "--node", "c"]);
    expect([down.exitCode, down.stderr]).toEqual([3, expect.stringContaining("node c is not running")]);
    expect((await cluster.cli(["cluster", "restart-node", "c"])).exitCode).toBe(0);
  }, 40_000);
});
