// The edge-burst fault on a real local cluster: its driver process gets twice a key's limit through
// across a fixed window's edge (the monitor sees over_admission blamed on the algorithm); under a
// sliding log the same bursts stay within the limit; revert stops the driver.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { processesMentioning } from "./fixtures/processes.ts";
import { downAll, startLocalCluster, type LocalCluster } from "./fixtures/local-cluster.ts";
import { blame, faults, watchLocalCluster, type Watch } from "./fixtures/watch.ts";

setDefaultTimeout(90_000);

let cluster: LocalCluster;
let watch: Watch;
beforeAll(async () => {
  cluster = await startLocalCluster(["--nodes", "3", "--default-limit", "5", "--window", "2s", "--algorithm", "fixed-window"]);
  watch = await watchLocalCluster(cluster.stateDir);
}, 60_000);
afterAll(async () => {
  await watch?.close();
  await downAll();
});

test("edge-burst: over_admission on a fixed window, none under a sliding log, and the driver gone after revert", async () => {
  const injected = await cluster.cli(["chaos", "edge-burst", "--key", "user:edge", "--duration", "60s", "--json"]);
  expect(injected.exitCode).toBe(0);
  const fault = JSON.parse(injected.stdout);
  expect(fault).toMatchObject({ fault: "edge-burst", target: "key:user:edge", status: "active" });
  const driver = `chaos drive ${fault.id} --state-dir ${cluster.stateDir}`;
  expect(processesMentioning(driver).length).toBe(1);
  try {
    const burst = await watch.until((k) => k.includes("over_admission:key:user:edge"), "edge burst", 30_000);
    expect(blame(burst, "over_admission:key:user:edge")).toEqual(["key:user:edge", "algorithm_burst"]);

    const token = readFileSync(cluster.up.admin_token_file, "utf8").trim();
    const override = await fetch(`${cluster.up.nodes[0]!.url}/api/v1/limits/${encodeURIComponent("user:edge")}`, {
      method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ limit: 5, window_ms: 2_000, algorithm: "sliding-log" }),
    });
    expect(override.status).toBe(200);
    // Three rounds of bursts (one every other window) after the last over-admission has aged out of its window.
    await watch.until((k) => !k.includes("over_admission:key:user:edge"), "over-admission aged out", 20_000);
    const deadline = Date.now() + 12_000;
    while (Date.now() < deadline) expect(faults((await watch.look()).keys)).not.toContain("over_admission:key:user:edge");
  } finally {
    expect((await cluster.cli(["chaos", "revert", "--all"])).exitCode).toBe(0);
  }
  const status = JSON.parse((await cluster.cli(["chaos", "status", "--all", "--json"])).stdout);
  const record = status.faults.find((f: { id: number }) => f.id === fault.id);
  expect(record).toMatchObject({ status: "reverted", verified: true });
  expect(processesMentioning(driver)).toEqual([]);
});
