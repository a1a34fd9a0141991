// Real etcd faults taken through the whole operator: tickets, the built-in diagnosis, proposals, a
// person's approvals (CLI), the gate in execute mode, the actions and their verification.
// The monitor runs in-process with the response stage (the monitor command does not wire it yet).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBuiltinEngine } from "../lib/diagnosis/builtin-engine.ts";
import { runMonitor } from "../lib/monitor/monitor.ts";
import { createResponseStage } from "../lib/monitor/response-stage.ts";
import { openState, type State } from "../lib/state/state.ts";
import { createEtcdClient, isNoSpace } from "../subjects/etcd/client.ts";
import { fillUntilNoSpace } from "../subjects/etcd/fill-quota.ts";
import { openEtcd } from "../subjects/etcd/connect.ts";
import { leaderOf } from "../subjects/etcd/observe.ts";
import { runCli } from "./fixtures/cli.ts";
import { startEtcdCluster, type EtcdCluster } from "./fixtures/etcd.ts";

// Real etcd processes on a shared 2-core machine: starting a cluster or an election can take seconds.
setDefaultTimeout(60_000);

let etcd: EtcdCluster;
let dir: string;
let state: State;
const signal = new AbortController().signal;
const client = createEtcdClient({ timeoutMs: 5_000 });

beforeAll(async () => {
  etcd = await startEtcdCluster({ members: 3, quotaBackendBytes: 8 * 1024 * 1024 });
  dir = mkdtempSync(join(tmpdir(), "operator-etcd-remedy-"));
  state = openState(dir);
});
afterAll(async () => {
  state?.close();
  await etcd?.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

type Event = { type: string } & Record<string, any>;

test("fill-quota → db_quota and NOSPACE tickets → compact, defragment, disarm approved → writes succeed, verified", async () => {
  const subject = openEtcd({ endpoints: etcd.endpoints });
  const stage = createResponseStage({ diagnose: true, engine: createBuiltinEngine(), autoApprove: "none", actionTimeoutMs: 60_000, verifyWithinMs: 30_000 });
  const cycle = async () => {
    const events: Event[] = [];
    await runMonitor({ subject, state, signal, once: true, intervalMs: 1_000, graceScale: 0, observeTimeoutMs: 5_000, stages: [stage], emit: (type, data) => events.push({ type, ...data }) });
    return events;
  };
  const person = (...args: string[]) => runCli([...args, "--state-dir", dir, "--by", "alice", "--why", "test"]);
  const write = () => client.put(etcd.endpoints[0]!, "/remedy-test/probe", "x").then(() => "written", (e) => (isNoSpace(e) ? "NOSPACE" : String(e)));

  expect((await fillUntilNoSpace(client, etcd.endpoints[0]!, {}, signal)).reachedNoSpace).toBe(true);
  const first = await cycle();
  const opened = first.filter((e) => e.type === "ticket_opened").map((e) => `${e.ticket.invariant}:${e.ticket.resource}`);
  expect(opened.sort()).toEqual(["alarm_active:cluster", "db_quota:cluster"]);
  for (const d of first.filter((e) => e.type === "diagnosis")) {
    expect(d.diagnosis).toMatchObject({ engine: "builtin", root_cause: { component: "cluster" }, fault_class: "quota_exhausted" });
    expect(d.diagnosis.recommended_actions.map((a: { name: string }) => a.name)).toEqual(["compact", "defragment", "disarm_alarm"]);
  }
  // One cause, one incident: its two tickets share one diagnosis and one set of actions.
  expect(first.filter((e) => e.type === "diagnosis")).toHaveLength(1);
  const proposed = first.filter((e) => e.type === "action_proposed").map((e) => e.action);
  expect(proposed.map((a) => a.name)).toEqual(["compact", "defragment", "disarm_alarm"]);
  const idOf = (name: string) => proposed.find((a) => a.name === name)!.id as number;
  expect(await write()).toBe("NOSPACE");

  expect((await person("mode", "execute")).exitCode).toBe(0);
  // Out of order, disarm is refused by the action itself: space is not back yet.
  expect((await person("actions", "approve", String(idOf("disarm_alarm")))).exitCode).toBe(0);
  const early = (await cycle()).find((e) => e.type === "action_finished")!;
  expect(early.action).toMatchObject({ name: "disarm_alarm", status: "failed" });
  expect(early.action.result.message).toStartWith("refusing to disarm NOSPACE:");
  expect(await write()).toBe("NOSPACE");

  // A person diagnoses again: the failed disarm is proposed anew; compact and defragment are the pending ones.
  const alarmTicket = first.find((e) => e.type === "ticket_opened" && e.ticket.invariant === "alarm_active")!.ticket.id;
  const again = await runCli(["diagnose", String(alarmTicket), "--json", "--state-dir", dir], { env: { OPERATOR_ETCD_ENDPOINTS: etcd.endpoints.join(",") } });
  const reproposed = (JSON.parse(again.stdout).proposed_actions as { id: number; name: string }[]).map((a) => [a.name, a.id]);
  const disarm = reproposed.find(([name]) => name === "disarm_alarm")![1] as number;
  expect(reproposed).toEqual([["compact", idOf("compact")], ["defragment", idOf("defragment")], ["disarm_alarm", disarm]]);

  // In order, approved at once: the gate runs them one after the other, oldest first.
  for (const id of [idOf("compact"), idOf("defragment"), disarm]) expect((await person("actions", "approve", String(id))).exitCode).toBe(0);
  const repaired = await cycle();
  expect(repaired.filter((e) => e.type === "action_finished").map((e) => [e.action.name, e.action.status])).toEqual([
    ["compact", "succeeded"], ["defragment", "succeeded"], ["disarm_alarm", "succeeded"],
  ]);
  expect(await write()).toBe("written");

  const healed = await cycle();
  expect(healed.filter((e) => e.type === "ticket_resolved").map((e) => e.ticket.invariant).sort()).toEqual(["alarm_active", "db_quota"]);
  const list = JSON.parse((await runCli(["actions", "list", "--json", "--state-dir", dir])).stdout) as { actions: { name: string; status: string; verification: string | null }[] };
  expect(list.actions.filter((a) => a.status === "succeeded").map((a) => [a.name, a.verification])).toEqual([
    ["compact", "verified"], ["defragment", "verified"], ["disarm_alarm", "verified"],
  ]);
});

test("two of three members killed: the built-in diagnosis blames those members, naming both, never the cluster", async () => {
  const subject = openEtcd({ endpoints: etcd.endpoints, etcdTimeout: 500 });
  const stage = createResponseStage({ diagnose: true, engine: createBuiltinEngine(), autoApprove: "none", actionTimeoutMs: 10_000, verifyWithinMs: 30_000 });
  const leader = leaderOf(await subject.observe(signal))!.name;
  const victims = [leader, etcd.members.map((m) => m.name).find((name) => name !== leader)!].sort();
  await Promise.all(victims.map((name) => etcd.kill(name)));
  try {
    const events: Event[] = [];
    // The survivor needs an election timeout to notice it has no leader: member_down tickets may come a cycle earlier.
    for (let attempt = 0; attempt < 20 && !events.some((e) => e.type === "ticket_opened" && e.ticket.invariant === "no_leader"); attempt += 1) {
      await runMonitor({ subject, state, signal, once: true, intervalMs: 500, graceScale: 0, observeTimeoutMs: 5_000, stages: [stage], emit: (type, data) => events.push({ type, ...data }) });
    }
    const diagnoses = Object.fromEntries(
      events.filter((e) => e.type === "diagnosis").map((e) => [`${e.ticket.invariant}:${e.ticket.resource}`, e.diagnosis]),
    );
    for (const name of victims) expect(diagnoses[`member_down:member:${name}`]?.root_cause.component).toBe(`member:${name}`);
    // no_leader is what a down member explains: it joins that member's incident and takes its diagnosis.
    const noLeaderId = events.find((e) => e.type === "ticket_opened" && e.ticket.invariant === "no_leader")!.ticket.id;
    const noLeader = events.findLast((e) => e.type.startsWith("incident_") && e.incident.tickets.some((t: { id: number }) => t.id === noLeaderId))!.incident;
    expect(victims.map((name) => `member:${name}`)).toContain(noLeader.root_cause.component);
    expect(noLeader.root_cause.fault_class).toBe("process_down");
    expect(noLeader.diagnosis.summary).toContain(`${victims[0]} and ${victims[1]} are down (2 of 3 members)`);
  } finally {
    await Promise.all(victims.map((name) => etcd.restart(name)));
    await etcd.waitHealthy();
  }
});
