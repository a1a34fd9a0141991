// The built-in engine on real Redis-side faults of a local cluster: a dead Redis, a paused one, a
// slow link to one node, a node cut off from Redis. Each names its own component and fault class.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { startFaultRig, type FaultRig } from "./fixtures/fault-diagnosis.ts";
import { downAll } from "./fixtures/local-cluster.ts";

setDefaultTimeout(90_000);

let rig: FaultRig;
beforeAll(async () => {
  rig = await startFaultRig();
});
afterAll(async () => {
  await downAll();
});

const named = (d: Awaited<ReturnType<FaultRig["diagnosisOf"]>>) => ({ component: d.diagnosis.root_cause.component, fault_class: d.diagnosis.fault_class });

test("a killed Redis is redis/process_down, for its own ticket and for the degraded nodes' tickets", async () => {
  const id = await rig.inject("redis-kill", "--duration", "60s");
  try {
    const d = await rig.diagnosisOf((t) => t.invariant === "redis_unreachable", "redis-kill");
    expect(named(d)).toEqual({ component: "redis", fault_class: "process_down" });
    const degraded = await rig.diagnosisOf((t) => t.invariant === "node_degraded", "a node degraded by the dead Redis");
    expect(named(degraded)).toEqual({ component: "redis", fault_class: "process_down" });
  } finally {
    await rig.revert(id);
  }
  await rig.settled();
});

test("a slow link to one node is that node (network_latency), not Redis", async () => {
  const id = await rig.inject("redis-latency", "--node", "b", "--latency", "20ms", "--duration", "60s");
  try {
    const d = await rig.diagnosisOf((t) => t.resource === "node:b" && /latency/.test(t.invariant), "redis-latency on b");
    expect(named(d)).toEqual({ component: "node:b", fault_class: "network_latency" });
  } finally {
    await rig.revert(id);
  }
  await rig.settled();
});

test("a node cut off from Redis while Redis is fine is that node (network_partition)", async () => {
  const id = await rig.inject("partition", "--node", "c", "--duration", "60s");
  try {
    const d = await rig.diagnosisOf((t) => t.invariant === "node_degraded" && t.resource === "node:c", "partition of c");
    expect(named(d)).toEqual({ component: "node:c", fault_class: "network_partition" });
  } finally {
    await rig.revert(id);
  }
  await rig.settled();
});

test("a paused Redis (answers nothing) is redis/process_paused, told apart from a dead one", async () => {
  await rig.inject("redis-pause", "--mode", "all", "--duration", "6s");
  const d = await rig.diagnosisOf((t) => t.invariant === "redis_unreachable", "redis-pause");
  expect(named(d)).toEqual({ component: "redis", fault_class: "process_paused" });
  await rig.settled();
});
