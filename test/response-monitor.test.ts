// The operator acting on a real rate limiter: a monitor process diagnoses a drained node, proposes
// to undrain it, and runs it only when the mode, the risk and a person allow; verifies the result;
// obeys the kill switch while running; and never reruns an action it was killed in the middle of.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./fixtures/cli.ts";
import { downAll, startLocalCluster } from "./fixtures/local-cluster.ts";
import { spawnMonitor, type MonitorEvent } from "./fixtures/monitor-process.ts";
import { spawnServe, startTestNodes } from "./fixtures/node.ts";
import { pollUntil } from "./fixtures/poll.ts";
import { startRedis } from "./fixtures/redis.ts";

// Real redis-server, nodes and monitor processes on a shared 2-core machine.
setDefaultTimeout(90_000);

const TOKEN = "response-test-admin-token";
const dirs: string[] = [];
afterAll(async () => {
  await downAll();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
function stateDir() {
  const dir = mkdtempSync(join(tmpdir(), "operator-response-"));
  dirs.push(dir);
  return dir;
}

// These tests are about the gate, not latency: a loaded machine's latency noise on a node must not
// turn a drained node into a slow link.
const QUIET_LATENCY = { OPERATOR_CHECK_P99_THRESHOLD: "500ms", OPERATOR_REDIS_LATENCY_THRESHOLD: "250ms" };
const cli = (dir: string, ...args: string[]) => runCli(args, { env: { OPERATOR_STATE_DIR: dir, OPERATOR_ACTOR: "alice" } });
const drain = (url: string, drain: boolean) =>
  fetch(`${url}/api/v1/node/drain`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ drain }) });
const health = async (url: string) => (await fetch(`${url}/health`)).status;
/** Actions that ran (a cancelled side proposal, e.g. for a latency blip of a busy machine, did not). */
const ran = (events: MonitorEvent[]) => events.filter((e) => e.type === "action_finished" && ["succeeded", "failed"].includes(e.action.status));
const proposedUndrain = (node: string) => (e: MonitorEvent) => e.type === "action_proposed" && e.action.name === "undrain_node" && e.action.params.node === node;

test("observe mode never runs an approved action; in execute mode it runs once, clears the violation, is verified and the ticket resolves", async () => {
  await using redis = await startRedis();
  await using nodes = await startTestNodes(2, { redisUrl: redis.url, adminToken: TOKEN, redisTimeoutMs: 2_000 }, "n");
  const dir = stateDir();
  await drain(nodes[1]!.url, true);
  await using monitor = spawnMonitor(["--interval", "200ms", "--grace-scale", "0", "--auto-approve", "medium", "--targets", nodes.map((n) => n.url).join(","), "--redis-url", redis.url, "--state-dir", dir], { RATELIMITER_ADMIN_TOKEN: TOKEN, ...QUIET_LATENCY });

  const diagnosis = await monitor.next((e) => e.type === "diagnosis" && e.ticket.resource === "node:n-2");
  expect(diagnosis.diagnosis).toMatchObject({ engine: "builtin", root_cause: { component: "node:n-2" }, recommended_actions: [{ name: "undrain_node", params: { node: "n-2" } }] });
  const proposed = await monitor.next(proposedUndrain("n-2"), { seen: true });
  expect(proposed).toMatchObject({ action: { status: "proposed", risk: "high", ticket_id: diagnosis.ticket.id }, gate: "wait" });
  const id = String(proposed.action.id);

  expect((await cli(dir, "actions", "approve", id, "--why", "the drain was not planned")).exitCode).toBe(0);
  await monitor.cycles(4);
  expect(ran(monitor.events)).toEqual([]);
  expect(await health(nodes[1]!.url)).toBe(503);

  expect((await cli(dir, "mode", "execute", "--why", "go")).exitCode).toBe(0);
  const finished = await monitor.next((e) => e.type === "action_finished" && e.action.id === proposed.action.id);
  expect(finished.action).toMatchObject({ id: proposed.action.id, name: "undrain_node", status: "succeeded", result: { ok: true, message: "node n-2 takes checks again" }, verification: "pending" });
  expect(await health(nodes[1]!.url)).toBe(200);
  const verified = await monitor.next((e) => e.type === "action_verified");
  expect(verified).toMatchObject({ verification: "verified", action: { id: proposed.action.id, verification: "verified" } });
  await monitor.next((e) => e.type === "ticket_resolved" && e.ticket.id === diagnosis.ticket.id, { seen: true });

  const audit = JSON.parse((await cli(dir, "audit", "--action", id, "--json")).stdout).entries.map((e: any) => `${e.actor}:${e.event}`);
  expect(audit).toEqual(["diagnosis:builtin:proposed", "alice:approved", "monitor:executing", "monitor:succeeded", "monitor:verified"]);
});

test("the kill switch cancels pending actions, and the running monitor obeys it from its next cycle", async () => {
  await using redis = await startRedis();
  await using nodes = await startTestNodes(2, { redisUrl: redis.url, adminToken: TOKEN, redisTimeoutMs: 2_000 }, "n");
  const dir = stateDir();
  await using monitor = spawnMonitor(["--interval", "200ms", "--grace-scale", "0", "--mode", "execute", "--targets", nodes.map((n) => n.url).join(","), "--redis-url", redis.url, "--state-dir", dir], { RATELIMITER_ADMIN_TOKEN: TOKEN, ...QUIET_LATENCY });

  await drain(nodes[0]!.url, true);
  const first = await monitor.next(proposedUndrain("n-1"));
  expect(first.reason).toBe("high risk always waits for a person: operator actions approve ID");
  const killed = JSON.parse((await cli(dir, "kill-switch", "--why", "hands off", "--json")).stdout);
  expect(killed.previous_mode).toBe("execute");
  expect(killed.cancelled.map((a: any) => a.id)).toContain(first.action.id);
  expect((await cli(dir, "actions", "approve", String(first.action.id), "--why", "x")).exitCode).toBe(2);

  await drain(nodes[1]!.url, true);
  const second = await monitor.next(proposedUndrain("n-2"));
  expect(second.reason).toBe("observe mode: actions are proposed, never run (operator mode execute)");
  expect((await cli(dir, "actions", "approve", String(second.action.id), "--why", "try anyway")).exitCode).toBe(0);
  await monitor.cycles(4);
  expect(ran(monitor.events)).toEqual([]);
  expect(JSON.parse((await cli(dir, "actions", "show", String(second.action.id), "--json")).stdout).action.status).toBe("approved");
  expect([await health(nodes[0]!.url), await health(nodes[1]!.url)]).toEqual([503, 503]);
});

test("a monitor killed while an action executes never runs it again: the restarted one marks it needs_review", async () => {
  await using redis = await startRedis();
  await using node = await spawnServe(["--port", "0", "--node-id", "solo", "--redis-url", redis.url, "--admin-token", TOKEN, "--json"]);
  const url = JSON.parse(node.startLine).url as string;
  const dir = stateDir();
  // Long per-request deadlines: the undrain sent to the stopped node hangs instead of failing fast.
  const args = ["--interval", "300ms", "--grace-scale", "0", "--http-timeout", "60s", "--observe-timeout", "1s", "--action-timeout", "60s", "--targets", url, "--redis-url", redis.url, "--state-dir", dir];
  await drain(url, true);
  const first = spawnMonitor(args, { RATELIMITER_ADMIN_TOKEN: TOKEN, ...QUIET_LATENCY });
  const proposed = await first.next(proposedUndrain("solo"));
  const id = String(proposed.action.id);
  expect((await cli(dir, "actions", "approve", id, "--why", "undrain it")).exitCode).toBe(0);

  node.proc.kill("SIGSTOP");
  try {
    expect((await cli(dir, "mode", "execute")).exitCode).toBe(0);
    await pollUntil(async () => JSON.parse((await cli(dir, "actions", "show", id, "--json")).stdout).action.status, (s) => s === "executing", { what: "the action executing" });
    first.proc.kill("SIGKILL");
    await first.proc.exited;

    await using second = spawnMonitor(args, { RATELIMITER_ADMIN_TOKEN: TOKEN, ...QUIET_LATENCY });
    const reviewed = await second.next((e) => e.type === "action_finished" && e.action.id === proposed.action.id);
    expect(reviewed.action).toMatchObject({ id: proposed.action.id, status: "needs_review" });
    await second.cycles(3);
    expect(ran(second.events)).toEqual([]);
    const shown = JSON.parse((await cli(dir, "actions", "show", id, "--json")).stdout);
    expect(shown.action.status).toBe("needs_review");
    expect(shown.audit.map((e: any) => e.event)).toEqual(["proposed", "approved", "executing", "needs_review"]);

    // A person checks the node and closes it; the way out is recorded like every other move.
    const noOutcome = await cli(dir, "actions", "resolve", id, "--why", "checked");
    expect([noOutcome.exitCode, noOutcome.stderr]).toEqual([2, "operator: --outcome is required: what you found: succeeded (it took effect) or failed\n"]);
    expect((await cli(dir, "actions", "resolve", id, "--outcome", "succeeded", "--why", "node solo answers checks again", "--by", "alice")).exitCode).toBe(0);
    const closed = JSON.parse((await cli(dir, "actions", "show", id, "--json")).stdout);
    expect(closed.action.status).toBe("succeeded");
    expect(closed.audit.at(-1)).toMatchObject({ event: "succeeded", actor: "alice", why: "node solo answers checks again" });
    const again = await cli(dir, "actions", "resolve", id, "--outcome", "failed", "--why", "twice");
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain(`action ${id} is succeeded by alice: node solo answers checks again; only an action in needs_review is resolved by a person`);
  } finally {
    node.proc.kill("SIGKILL");
  }
});

test("restart_node on a local cluster: a killed node is restarted through the cluster's supervision once a person approves", async () => {
  await using cluster = await startLocalCluster(["--nodes", "2"]);
  const victim = cluster.up.nodes[1]!;
  process.kill(victim.pid, "SIGKILL");
  // No --targets: the monitor finds the nodes, Redis and the admin token in the cluster's state dir.
  const once = async () => {
    const result = await cluster.cli(["monitor", "--once", "--json", "--mode", "execute"]);
    return result.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as MonitorEvent);
  };
  const first = await once();
  const proposal = first.find((e) => e.type === "action_proposed" && e.action.name === "restart_node");
  expect(proposal).toMatchObject({ gate: "wait", action: { risk: "high", status: "proposed" } });
  expect(ran(first)).toEqual([]);
  expect((await cluster.cli(["actions", "approve", String(proposal!.action.id), "--why", "it crashed"])).exitCode).toBe(0);
  const second = await once();
  expect(ran(second).map((e) => [e.action.name, e.action.status])).toEqual([["restart_node", "succeeded"]]);
  const status = await cluster.status();
  expect(status.healthy).toBe(true);
  expect(status.nodes.find((n) => n.id === victim.id)!.pid).not.toBe(victim.pid);
});
