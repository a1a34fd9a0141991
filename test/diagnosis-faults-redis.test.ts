// The built-in engine on real Redis-side faults of a local cluster: a dead Redis, a paused one, a
// slow link to one node, a node cut off from Redis. Each names its own component and fault class.
import { expect, setDefaultTimeout, test } from "bun:test";
import { faultRig, named } from "./fixtures/fault-diagnosis.ts";

setDefaultTimeout(90_000);

const rig = faultRig();

test("a killed Redis is redis/process_down, for its own ticket and for the degraded nodes' tickets", () =>
  rig.withFault(["redis-kill", "--duration", "60s"], async () => {
    const d = await rig.diagnosisOf((t) => t.invariant === "redis_unreachable", "redis-kill");
    expect(named(d)).toEqual({ component: "redis", fault_class: "process_down" });
    const degraded = await rig.diagnosisOf((t) => t.invariant === "node_degraded", "a node degraded by the dead Redis");
    expect(named(degraded)).toEqual({ component: "redis", fault_class: "process_down" });
  }));

test("a slow link to one node is that node (network_latency), not Redis", () =>
  rig.withFault(["redis-latency", "--node", "b", "--latency", "20ms", "--duration", "60s"], async () => {
    const d = await rig.diagnosisOf((t) => t.resource === "node:b" && /latency/.test(t.invariant), "redis-latency on b");
    expect(named(d)).toEqual({ component: "node:b", fault_class: "network_latency" });
  }));

test("a node cut off from Redis while Redis is fine is that node (network_partition)", () =>
  rig.withFault(["partition", "--node", "c", "--duration", "60s"], async () => {
    const d = await rig.diagnosisOf((t) => t.invariant === "node_degraded" && t.resource === "node:c", "partition of c");
    expect(named(d)).toEqual({ component: "node:c", fault_class: "network_partition" });
  }));

test("a paused Redis (answers nothing) is redis/process_paused, told apart from a dead one", async () => {
  await rig.inject("redis-pause", "--mode", "all", "--duration", "6s");
  const d = await rig.diagnosisOf((t) => t.invariant === "redis_unreachable", "redis-pause");
  expect(named(d)).toEqual({ component: "redis", fault_class: "process_paused" });
  await rig.settled();
});
