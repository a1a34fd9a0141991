// The etcd local deployment, chaos and load as a script drives them: cluster up --subject etcd,
// faults as leases, monitor --once seeing each, verified reverts, loadgen, cluster down by pid.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSameProcess } from "../lib/process/identity.ts";
import { runCli } from "./fixtures/cli.ts";
import { pollUntil } from "./fixtures/poll.ts";

// Real etcd processes on a shared 2-core machine: starting a cluster or an election can take seconds.
setDefaultTimeout(60_000);

let dir: string;
let members: { name: string; client_url: string; pid: number }[] = [];

const cli = (...args: string[]) => runCli([...args, "--state-dir", dir]);
const json = async (...args: string[]) => {
  const result = await cli(...args, "--json");
  return { ...result, doc: JSON.parse(result.stdout.trim().split("\n").at(-1) || "null") };
};
/**
 * What one `monitor --once` sees, as `invariant:resource` keys. Its own fresh state dir: a monitor
 * reports only violations that are new to its state, and this asks "what holds now".
 */
const seen = async () => {
  const scratch = mkdtempSync(join(tmpdir(), "operator-etcd-look-"));
  try {
    const endpoints = members.map((m) => m.client_url).join(",");
    const { stdout } = await runCli(["monitor", "--subject", "etcd", "--once", "--json", "--endpoints", endpoints, "--state-dir", scratch]);
    return stdout.trim().split("\n").map((l) => JSON.parse(l)).filter((e) => e.type === "violation").map((e) => e.key as string).sort();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};
const seenUntil = (keys: string[], what: string) => pollUntil(seen, (s) => JSON.stringify(s) === JSON.stringify(keys.toSorted()), { what, timeoutMs: 20_000, intervalMs: 300 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "operator-etcd-cluster-"));
  const up = await json("cluster", "up", "--subject", "etcd", "--members", "3", "--quota", "8MiB");
  if (up.exitCode !== 0) throw new Error(`cluster up failed: ${up.stderr}`);
  members = up.doc.members;
});
afterAll(async () => {
  await cli("cluster", "down");
  rmSync(dir, { recursive: true, force: true });
});

test("cluster up --subject etcd: three members on free ports, healthy, one leader", async () => {
  const status = await json("cluster", "status");
  expect(status.exitCode).toBe(0);
  expect(status.doc).toMatchObject({ healthy: true, subject: "etcd", quota_bytes: 8 * 1024 * 1024 });
  expect(status.doc.parts.map((p: { name: string; healthy: boolean }) => [p.name, p.healthy])).toEqual([["etcd-1", true], ["etcd-2", true], ["etcd-3", true]]);
  expect(status.doc.parts.filter((p: { detail: string }) => p.detail.startsWith("leader"))).toHaveLength(1);
  for (const m of members) expect(m.client_url).not.toContain(":2379");
  expect(await seen()).toEqual([]);
  // Without --endpoints the monitor watches the cluster recorded in the state dir.
  expect((await cli("monitor", "--subject", "etcd", "--once")).exitCode).toBe(0);
});

test("member-kill and member-pause: member_down on that member only; the revert brings it back, verified", async () => {
  for (const fault of ["member-kill", "member-pause"]) {
    const injected = await json("chaos", fault, "--member", "etcd-2", "--duration", "1m");
    expect(injected.exitCode).toBe(0);
    expect(injected.doc).toMatchObject({ fault, target: "member:etcd-2", status: "active" });
    await seenUntil(["member_down:member:etcd-2"], `${fault}: member_down on etcd-2`);
    const reverted = await json("chaos", "revert", String(injected.doc.id));
    expect(reverted.doc).toMatchObject({ status: "reverted", verified: true });
    await seenUntil([], `${fault} reverted`);
  }
});

test("quorum-loss: no_leader and member_down on both killed members; revert restores the quorum", async () => {
  const injected = await json("chaos", "quorum-loss", "--duration", "1m");
  expect(injected.doc).toMatchObject({ fault: "quorum-loss", target: "cluster", status: "active" });
  // Proposals do fail while the quorum is lost: --once's 2 s burst may see that counter rise (proposals_failing), or not yet.
  const lost = ["member_down:member:etcd-2", "member_down:member:etcd-3", "no_leader:cluster"];
  await pollUntil(seen, (s) => JSON.stringify(s.filter((k) => k !== "proposals_failing:cluster")) === JSON.stringify(lost), { what: "quorum loss", timeoutMs: 20_000, intervalMs: 300 });
  expect((await json("chaos", "revert", String(injected.doc.id))).doc).toMatchObject({ status: "reverted", verified: true });
  await seenUntil([], "quorum back");
});

test("leader-kill hits whoever leads now", async () => {
  const leader = (await json("cluster", "status")).doc.parts.find((p: { detail: string }) => p.detail.startsWith("leader")).name;
  const injected = await json("chaos", "leader-kill", "--duration", "1m");
  expect(injected.doc.target).toBe(`member:${leader}`);
  await seenUntil([`member_down:member:${leader}`], "the old leader down");
  expect((await json("chaos", "revert", String(injected.doc.id))).doc).toMatchObject({ status: "reverted", verified: true });
  await seenUntil([], "the old leader back");
});

test("fill-quota: db_quota and NOSPACE, writes fail under load; the revert compacts, defragments, disarms", async () => {
  const injected = await json("chaos", "fill-quota", "--duration", "1m");
  expect(injected.doc).toMatchObject({ fault: "fill-quota", target: "cluster", status: "active" });
  expect(await seen()).toEqual(["alarm_active:cluster", "db_quota:cluster"]);
  const failing = await json("loadgen", "--workload", "put", "--rate", "20", "--duration", "500ms");
  // Every write is refused with NOSPACE (a 4xx), none accepted; the report goes into the failure message.
  expect({ requests: failing.doc.requests > 0, refused: failing.doc.errors.http_4xx, report: failing.doc }).toMatchObject({ requests: true, refused: failing.doc.requests });
  const reverted = await json("chaos", "revert", String(injected.doc.id));
  expect(reverted.doc).toMatchObject({ status: "reverted", verified: true });
  expect(await seen()).toEqual([]);
  // Writes are accepted again: no NOSPACE refusal (4xx). (A slow machine may still time out a few.)
  const load = await json("loadgen", "--workload", "put", "--rate", "50", "--duration", "1s");
  expect({ refused: load.doc.errors.http_4xx, someWritten: load.doc.allowed > 0, report: load.doc, stderr: load.stderr }).toMatchObject({ refused: 0, someWritten: true });
});

test("restart_member, proposed by the diagnosis and approved by a person, brings a killed member back", async () => {
  const injected = await json("chaos", "member-kill", "--member", "etcd-3", "--duration", "1m");
  const first = await cli("monitor", "--subject", "etcd", "--once", "--json");
  const proposed = first.stdout.trim().split("\n").map((l) => JSON.parse(l)).find((e) => e.type === "action_proposed")?.action;
  expect(proposed).toMatchObject({ name: "restart_member", params: { member: "etcd-3" }, risk: "high", status: "proposed" });
  expect((await cli("mode", "execute", "--why", "test")).exitCode).toBe(0);
  expect((await cli("actions", "approve", String(proposed.id), "--why", "etcd-3 is really down")).exitCode).toBe(0);
  const second = await cli("monitor", "--subject", "etcd", "--once", "--json");
  const finished = second.stdout.trim().split("\n").map((l) => JSON.parse(l)).find((e) => e.type === "action_finished")?.action;
  expect(finished).toMatchObject({ name: "restart_member", status: "succeeded" });
  expect((await json("cluster", "status")).exitCode).toBe(0);
  expect((await json("chaos", "revert", String(injected.doc.id))).doc).toMatchObject({ status: "reverted", verified: true });
  expect((await cli("mode", "observe", "--why", "test")).exitCode).toBe(0);
});

test("cluster down stops exactly the recorded members", async () => {
  const pids = (await json("cluster", "status")).doc.parts.map((p: { pid: number }) => p.pid) as number[];
  const starts = pids.map((pid) => ({ pid, startTime: Number(require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[19]) }));
  const down = await json("cluster", "down");
  expect(down.exitCode).toBe(0);
  // The members, and the chaos watchdog when an earlier test's fault left one watching (down stops it too).
  expect(down.doc.stopped.map((s: { name: string }) => s.name).filter((n: string) => n !== "chaos-watchdog").sort()).toEqual(["etcd-1", "etcd-2", "etcd-3"]);
  for (const identity of starts) expect(isSameProcess(identity)).toBe(false);
});
