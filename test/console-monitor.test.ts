// The console over a real local cluster with a real monitor: a fault opens an incident, the API
// lists it and its proposal, an approver's approval makes the running monitor execute and verify it under
// the approver's name; the approval rules (roles, 409s, expiry, a cleared violation) hold end to end.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, spawnCli } from "./fixtures/cli.ts";
import { downAll, startLocalCluster, type LocalCluster } from "./fixtures/local-cluster.ts";
import { spawnMonitor, type MonitorProcess } from "./fixtures/monitor-process.ts";
import { pollUntil } from "./fixtures/poll.ts";

// A local cluster, a console and monitor processes on a shared 2-core machine.
setDefaultTimeout(120_000);

// These tests are about approvals, not latency: a loaded machine's latency noise must not open
// side tickets (a slow link) that compete with the fault under test.
const QUIET_LATENCY = { OPERATOR_CHECK_P99_THRESHOLD: "500ms", OPERATOR_REDIS_LATENCY_THRESHOLD: "250ms" };

let cluster: LocalCluster;
let console_: ReturnType<typeof spawnCli>;
let url: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  cluster = await startLocalCluster(["--nodes", "2"]);
  console_ = spawnCli(["console", "--port", "0", "--json", "--state-dir", cluster.stateDir]);
  const reader = console_.stdout.getReader();
  let line = "";
  while (!line.includes("\n")) line += new TextDecoder().decode((await reader.read()).value);
  reader.releaseLock();
  const start = JSON.parse(line);
  url = start.url;
  tokens.admin = readFileSync(start.admin_token_file, "utf8").trim();
  for (const [name, role] of [["alice", "approver"], ["bob", "approver"], ["victor", "viewer"]]) {
    tokens[name!] = JSON.parse((await cluster.cli(["console", "token", "add", name!, "--role", role!, "--json"])).stdout).token;
  }
});
afterAll(async () => {
  console_?.kill("SIGTERM");
  await console_?.exited;
  await downAll();
});

const api = (token: string | undefined, path: string, init: RequestInit = {}) =>
  fetch(new URL(`/api/v1${path}`, url), { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json", ...(init.headers as Record<string, string>) } });
const read = async (token: string, path: string) => (await api(token, path)).json();
const approve = (token: string | undefined, id: number) => api(token, `/actions/${id}/approve`, { method: "POST", body: JSON.stringify({ why: "it is down" }) });
const monitor = (...extra: string[]) => spawnMonitor(["--state-dir", cluster.stateDir, "--interval", "300ms", "--grace-scale", "0", ...extra], QUIET_LATENCY);
const proposalFor = async (name: string, node: string) =>
  pollUntil(async () => (await read(tokens.victor!, "/actions?status=proposed")).actions.find((a: any) => a.name === name && a.params.node === node), (a) => a !== undefined, { what: `a proposed ${name} for ${node}`, timeoutMs: 60_000 });
const auditOf = async (id: number) => (await read(tokens.victor!, `/actions/${id}`)).audit.map((e: any) => `${e.actor} ${e.event}`);
/** The ticket resolved (so the next monitor starts clean, without carrying it). */
const resolved = (ticketId: number) => pollUntil(() => read(tokens.victor!, `/tickets/${ticketId}`), (d) => d.ticket.status === "resolved", { what: `ticket ${ticketId} resolved`, timeoutMs: 30_000 });
const adminToken = () => readFileSync(cluster.up.admin_token_file, "utf8").trim();
const drain = (nodeUrl: string, on: boolean) =>
  fetch(`${nodeUrl}/api/v1/node/drain`, { method: "POST", headers: { authorization: `Bearer ${adminToken()}`, "content-type": "application/json" }, body: JSON.stringify({ drain: on }) });

test("a killed node: the API lists its incident, ticket and proposal; a viewer 403, no token 401; of two approvals one lands; the running monitor executes it once and verifies it; the audit names console:NAME", async () => {
  await using m: MonitorProcess = monitor("--mode", "execute");
  const victim = cluster.up.nodes[1]!;
  process.kill(victim.pid, "SIGKILL");
  const tickets = await pollUntil(() => read(tokens.victor!, "/tickets?status=open"), (d) => d.tickets.some((t: any) => t.resource === `node:${victim.id}`), { what: "the ticket in the API", timeoutMs: 60_000 });
  expect(tickets.tickets.find((t: any) => t.resource === `node:${victim.id}`)).toMatchObject({ invariant: "node_down", severity: "critical", status: "open" });
  const action = await proposalFor("restart_node", victim.id);
  expect(action).toMatchObject({ risk: "high", status: "proposed", proposed_by: "diagnosis:builtin" });
  const incidents = (await read(tokens.victor!, "/incidents?status=open")).incidents;
  const incident = incidents.find((i: any) => i.tickets.some((t: any) => t.resource === `node:${victim.id}`));
  expect(incident).toMatchObject({ status: "open", severity: "critical", root_cause: { component: `node:${victim.id}` } });
  const detail = await read(tokens.victor!, `/incidents/${incident.id}`);
  expect(detail.actions.map((a: any) => a.id)).toContain(action.id);
  expect(detail.evidence.find((e: any) => e.resource === `node:${victim.id}`)).toMatchObject({ message: expect.any(String), evidence: expect.any(Object) });
  expect(detail.diagnosis).toMatchObject({ engine: "builtin", root_cause: { component: `node:${victim.id}` }, alternatives: expect.any(Array) });
  expect((await read(tokens.victor!, "/status")).monitor_running).toBe(true);

  expect((await approve(undefined, action.id)).status).toBe(401);
  expect((await approve(tokens.victor, action.id)).status).toBe(403);
  const both = await Promise.all([approve(tokens.alice, action.id), approve(tokens.bob, action.id)]);
  expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
  const winner = both[0]!.status === 200 ? "alice" : "bob";

  const verified = await m.next((e) => e.type === "action_verified" && e.action.id === action.id, { timeoutMs: 60_000 });
  expect(verified).toMatchObject({ verification: "verified", action: { status: "succeeded", name: "restart_node" } });
  expect(await auditOf(action.id)).toEqual(["diagnosis:builtin proposed", `console:${winner} approved`, "monitor executing", "monitor succeeded", "monitor verified"]);
  expect((await cluster.status()).healthy).toBe(true);
  expect((await approve(tokens.alice, action.id)).status).toBe(409);
  await resolved(action.ticket_id);
});

test("an approved proposal whose violation cleared before it ran is cancelled, not run; a proposal left past --proposal-ttl is 409 'expired'", async () => {
  const node = cluster.up.nodes[0]!;
  {
    await using m = monitor("--mode", "observe");
    expect((await drain(node.url, true)).status).toBe(200);
    const action = await proposalFor("undrain_node", node.id);
    expect((await approve(tokens.alice, action.id)).status).toBe(200);
    expect((await drain(node.url, false)).status).toBe(200);
    expect((await api(tokens.admin, "/mode", { method: "PUT", body: JSON.stringify({ mode: "execute", why: "run it" }) })).status).toBe(200);
    const finished = await m.next((e) => e.type === "action_finished" && e.action.id === action.id, { timeoutMs: 60_000 });
    expect(finished.action.status).toBe("cancelled");
    expect(await auditOf(action.id)).toEqual(["diagnosis:builtin proposed", "console:alice approved", "monitor cancelled"]);
    await resolved(action.ticket_id);
    expect((await api(tokens.admin, "/mode", { method: "PUT", body: JSON.stringify({ mode: "observe", why: "done" }) })).status).toBe(200);
  }
  {
    await using m = monitor("--proposal-ttl", "1s");
    expect((await drain(node.url, true)).status).toBe(200);
    const proposed = await m.next((e) => e.type === "action_proposed" && e.action.name === "undrain_node", { timeoutMs: 60_000 });
    await m.next((e) => e.type === "action_finished" && e.action.id === proposed.action.id && e.action.status === "expired", { timeoutMs: 30_000 });
    const late = await approve(tokens.alice, proposed.action.id);
    expect(late.status).toBe(409);
    expect((await late.json()).message).toMatch(/expired at .* unapproved: the system may have moved on/);
    expect((await drain(node.url, false)).status).toBe(200);
  }
});

test("revoking a token ends its API calls and its page session at once", async () => {
  const { token } = JSON.parse((await cluster.cli(["console", "token", "add", "carol", "--role", "approver", "--json"])).stdout);
  const cookie = (await api(token, "/session", { method: "POST" })).headers.get("set-cookie")!.split(";")[0]!;
  expect((await api(undefined, "/tickets", { headers: { cookie } })).status).toBe(200);
  expect((await runCli(["console", "token", "revoke", "carol"], { env: { OPERATOR_STATE_DIR: cluster.stateDir } })).exitCode).toBe(0);
  expect((await api(token, "/tickets")).status).toBe(401);
  expect((await api(undefined, "/tickets", { headers: { cookie } })).status).toBe(401);
  const listed = JSON.parse((await cluster.cli(["console", "token", "list", "--json"])).stdout).tokens.find((t: any) => t.name === "carol");
  expect(listed.revoked_at).not.toBeNull();
  expect(listed.last_used_at).not.toBeNull();
});
