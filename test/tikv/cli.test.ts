// The tikv subject as a script sees it through the one binary.
import { expect, test } from "bun:test";
import { runCli } from "../fixtures/cli.ts";

test("operator subjects --json lists tikv with its invariants and actions", async () => {
  const { exitCode, stdout } = await runCli(["subjects", "--json"]);
  expect(exitCode).toBe(0);
  const tikv = JSON.parse(stdout).subjects.find((s: { name: string }) => s.name === "tikv");
  expect(tikv.invariants.map((i: { name: string }) => i.name)).toEqual([
    "store_down",
    "store_disconnected",
    "store_low_space",
    "region_down_peer",
    "region_miss_peer",
    "region_pending_peer",
    "leader_imbalance",
    "pd_unhealthy",
    "high_grpc_latency",
    "raftstore_busy",
    "store_write_stall",
  ]);
  expect(tikv.actions.map((a: { name: string; kind: string; risk: string }) => `${a.name}:${a.kind}:${a.risk}`)).toEqual([
    "transfer_leader:action:low",
    "evict_leaders:action:medium",
    "cancel_evict_leaders:action:low",
    "set_store_weight:action:medium",
    "pause_scheduler:action:medium",
    "resume_scheduler:action:low",
    "remove_peer:action:high",
    "restart_store:action:medium",
    "remove_store:action:high",
    "get_store:tool:low",
    "get_region:tool:low",
    "list_operators:tool:low",
    "get_config:tool:low",
    "query_prometheus:tool:low",
  ]);
});
