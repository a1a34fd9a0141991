// operator cluster as a script drives it: up (once), status, restart-node, down by pid; two
// clusters side by side; bad input leaves nothing started. Real redis-server and real nodes.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./fixtures/cli.ts";
import { downAll, startLocalCluster } from "./fixtures/local-cluster.ts";
import { isAlive } from "./fixtures/processes.ts";

afterAll(downAll);

describe("operator cluster", () => {
  test("up, up again, status, restart-node, a dead node, down — every pid checked; a second cluster runs beside it", async () => {
    const [a, b] = await Promise.all([startLocalCluster(["--nodes", "2", "--default-limit", "1000"]), startLocalCluster(["--nodes", "1"])]);
    try {
      expect(a.up.healthy).toBe(true);
      expect(a.up.nodes.map((n) => n.id)).toEqual(["a", "b"]);
      const pids = [...a.up.nodes.map((n) => n.pid), ...a.up.redis.pids, ...a.up.parts.map((p) => p.pid)];
      expect(pids.every(isAlive)).toBe(true);
      expect(statSync(a.up.admin_token_file).mode & 0o777).toBe(0o600);
      // Two state dirs, two clusters, no port shared.
      const ports = (c: typeof a) => [...c.up.nodes.map((n) => n.url), ...c.up.redis.urls].map((u) => new URL(u.replace("redis:", "http:")).port);
      expect(ports(a).filter((p) => ports(b).includes(p))).toEqual([]);
      expect(b.up.healthy).toBe(true);

      const again = await a.cli(["cluster", "up", "--json"]);
      expect([again.exitCode, JSON.parse(again.stdout).already_up, JSON.parse(again.stdout).nodes.map((n: { pid: number }) => n.pid)]).toEqual([0, true, a.up.nodes.map((n) => n.pid)]);

      const status = await a.cli(["cluster", "status", "--json"]);
      expect([status.exitCode, JSON.parse(status.stdout).healthy]).toEqual([0, true]);

      // loadgen aims at the cluster's nodes by default: the rate it was asked, answered by real nodes.
      const load = await a.cli(["loadgen", "--rate", "200", "--duration", "2s", "--keys", "20", "--json"]);
      const report = JSON.parse(load.stdout);
      expect({ requests: report.requests, answered: report.allowed + report.denied, errors: report.errors.total, targets: report.targets.map((t: { url: string }) => t.url) }).toEqual({
        requests: 400,
        answered: 400,
        errors: 0,
        targets: a.up.nodes.map((n) => n.url),
      });
      expect(Math.abs(report.achieved_rate - 200) / 200).toBeLessThan(0.05);

      const restarted = await a.cli(["cluster", "restart-node", "a", "--json"]);
      const after = JSON.parse(restarted.stdout);
      expect(restarted.exitCode).toBe(0);
      expect(after.nodes[0].url).toBe(a.up.nodes[0]!.url);
      expect(after.nodes[0].pid).not.toBe(a.up.nodes[0]!.pid);
      expect(isAlive(a.up.nodes[0]!.pid)).toBe(false);

      process.kill(after.nodes[1].pid, "SIGKILL");
      const broken = await a.cli(["cluster", "status", "--json"]);
      const down = JSON.parse(broken.stdout).parts.filter((p: { healthy: boolean }) => !p.healthy);
      expect([broken.exitCode, down.map((p: { name: string; detail: string }) => `${p.name}: ${p.detail}`)]).toEqual([1, ["node-b: not running"]]);

      const stopped = await a.down();
      expect(stopped.exitCode).toBe(0);
      expect(JSON.parse(stopped.stdout).stopped.find((s: { name: string }) => s.name === "node-b").outcome).toBe("gone");
      expect([after.nodes[0].pid, ...a.up.redis.pids, ...a.up.parts.map((p) => p.pid)].filter(isAlive)).toEqual([]);
      expect(b.up.nodes.every((n) => isAlive(n.pid))).toBe(true);
    } finally {
      await Promise.all([a.down(), b.down()]);
    }
    expect(b.up.parts.map((p) => p.pid).filter(isAlive)).toEqual([]);
  }, 60_000);

  test("a 3-master Redis Cluster behind the nodes", async () => {
    await using c = await startLocalCluster(["--nodes", "1", "--redis-shards", "3"]);
    expect({ mode: c.up.redis.mode, masters: c.up.redis.pids.length, healthy: c.up.healthy }).toEqual({ mode: "cluster", masters: 3, healthy: true });
    expect(c.up.nodes[0]!.redis_url).toStartWith("redis+cluster://127.0.0.1:");
    const check = await fetch(`${c.up.nodes[0]!.url}/api/v1/check`, { method: "POST", body: JSON.stringify({ key: "k" }), headers: { "content-type": "application/json" } });
    expect(check.status).toBe(200);
  }, 30_000);

  test("bad input: one line, exit 2, nothing left started", async () => {
    const dir = mkdtempSync(join(tmpdir(), "operator-cluster-bad-"));
    const held = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const env = { OPERATOR_STATE_DIR: dir };
      const results = await Promise.all([
        runCli(["cluster", "up", "--redis-port", String(held.port)], { env }),
        runCli(["cluster", "up", "--base-port", String(held.port)], { env }),
        runCli(["cluster", "up", "--redis-server", "/nonexistent/redis-server"], { env }),
        runCli(["cluster", "up", "--nodes", "0"], { env }),
        runCli(["cluster", "restart-node", "a"], { env }),
      ]);
      expect(results.map((r) => [r.exitCode, r.stdout, r.stderr.trim().split("\n").length])).toEqual(Array(5).fill([2, "", 1]));
      expect(results[0]!.stderr).toBe(`operator: Redis port ${held.port} is in use: pick another with --redis-port, or 0 for any free port\n`);
      expect(results[2]!.stderr).toStartWith('operator: redis-server not found ("/nonexistent/redis-server")');
      expect(existsSync(join(dir, "cluster"))).toBe(false);
      const status = await runCli(["cluster", "status", "--json"], { env });
      expect([status.exitCode, JSON.parse(status.stdout).parts]).toEqual([1, []]);
    } finally {
      held.stop(true);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
