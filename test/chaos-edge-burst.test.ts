// The edge-burst fault on a real local cluster: its driver process gets twice a key's limit through
// across a fixed window's edge (the monitor sees over_admission blamed on the algorithm); under a
// sliding log the same bursts stay within the limit; revert stops the driver.
import { expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { processesMentioning } from "./fixtures/processes.ts";
import { blame, faults, watchedCluster } from "./fixtures/watch.ts";

setDefaultTimeout(90_000);

const rig = watchedCluster(["--nodes", "3", "--default-limit", "5", "--window", "2s", "--algorithm", "fixed-window"]);

test("edge-burst: over_admission on a fixed window, none under a sliding log, and the driver gone after revert", async () => {
  const injected = await rig.cluster.cli(["chaos", "edge-burst", "--key", "user:edge", "--duration", "60s", "--json"]);
  expect(injected.exitCode).toBe(0);
  const fault = JSON.parse(injected.stdout);
  expect(fault).toMatchObject({ fault: "edge-burst", target: "key:user:edge", status: "active" });
  const driver = `chaos drive ${fault.id} --state-dir ${rig.cluster.stateDir}`;
  expect(processesMentioning(driver).length).toBe(1);
  try {
    const burst = await rig.watch.until((k) => k.includes("over_admission:key:user:edge"), "edge burst", 30_000);
    expect(blame(burst, "over_admission:key:user:edge")).toEqual(["key:user:edge", "algorithm_burst"]);

    const token = readFileSync(rig.cluster.up.admin_token_file, "utf8").trim();
    const override = await fetch(`${rig.cluster.up.nodes[0]!.url}/api/v1/limits/${encodeURIComponent("user:edge")}`, {
      method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ limit: 5, window_ms: 2_000, algorithm: "sliding-log" }),
    });
    expect(override.status).toBe(200);
    // Three rounds of bursts (one every other window) after the last over-admission has aged out of its window.
    await rig.watch.until((k) => !k.includes("over_admission:key:user:edge"), "over-admission aged out", 20_000);
    const deadline = Date.now() + 12_000;
    while (Date.now() < deadline) expect(faults((await rig.watch.look()).keys)).not.toContain("over_admission:key:user:edge");
  } finally {
    expect((await rig.cluster.cli(["chaos", "revert", "--all"])).exitCode).toBe(0);
  }
  const status = JSON.parse((await rig.cluster.cli(["chaos", "status", "--all", "--json"])).stdout);
  const record = status.faults.find((f: { id: number }) => f.id === fault.id);
  expect(record).toMatchObject({ status: "reverted", verified: true });
  expect(processesMentioning(driver)).toEqual([]);
});
