// The etcd subject as a script sees it through the CLI.
import { expect, setDefaultTimeout, test } from "bun:test";
import { runCli } from "./fixtures/cli.ts";

// Real etcd processes on a shared 2-core machine: starting a cluster or an election can take seconds.
setDefaultTimeout(60_000);

test("operator subjects --json lists etcd with its invariants, actions and tools", async () => {
  const result = await runCli(["subjects", "--json"]);
  expect(result.exitCode).toBe(0);
  const etcd = JSON.parse(result.stdout).subjects.find((s: { name: string }) => s.name === "etcd");
  expect(etcd.invariants.map((i: { name: string; severity: string }) => `${i.name}:${i.severity}`)).toEqual([
    "member_down:critical", "no_leader:critical", "leader_flapping:warning", "apply_lag:warning",
    "db_quota:warning", "alarm_active:critical", "proposals_failing:warning", "member_version_skew:warning",
  ]);
  expect(etcd.actions.map((a: { name: string; kind: string; risk: string }) => `${a.name}:${a.kind}:${a.risk}`)).toEqual([
    "compact:action:medium", "defragment:action:medium", "disarm_alarm:action:medium", "move_leader:action:medium", "restart_member:action:high",
    "member_status:tool:low", "list_alarms:tool:low", "endpoint_health:tool:low",
  ]);
});
