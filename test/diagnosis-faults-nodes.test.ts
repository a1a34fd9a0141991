// The built-in engine on real node- and key-side faults of a local cluster: a dead node, a paused
// one, a drained one, a stale counter, a hot key. Each names its own component and fault class.
import { expect, setDefaultTimeout, test } from "bun:test";
import { check } from "./fixtures/node.ts";
import { faultRig, named } from "./fixtures/fault-diagnosis.ts";

setDefaultTimeout(90_000);

const rig = faultRig(["--algorithm", "fixed-window"]);

/** node:b, or node:<host:port> for a node the monitor never saw answer (a fresh monitor, a node already dead). */
const isNodeB = (resource: string) => resource === "node:b" || resource === `node:${rig.cluster.up.nodes[1]!.url.slice("http://".length)}`;

test("a killed node is that node, process_down; the fix proposed is restarting it", () =>
  rig.withFault(["node-kill", "--node", "b", "--duration", "60s"], async () => {
    const d = await rig.diagnosisOf((t) => t.invariant === "node_down" && isNodeB(t.resource), "node-kill b");
    expect(isNodeB(d.diagnosis.root_cause.component)).toBe(true);
    expect(d.diagnosis.fault_class).toBe("process_down");
    expect(d.diagnosis.recommended_actions.map((a) => a.name)).toEqual(["restart_node"]);
  }));

test("a paused node is that node, process_paused, told apart from a dead one", () =>
  rig.withFault(["node-pause", "--node", "b", "--duration", "60s"], async () => {
    const d = await rig.diagnosisOf((t) => t.invariant === "node_down" && isNodeB(t.resource), "node-pause b");
    expect(isNodeB(d.diagnosis.root_cause.component)).toBe(true);
    expect(d.diagnosis.fault_class).toBe("process_paused");
  }));

test("a drained node is drained, not dead", () =>
  rig.withFault(["node-drain", "--node", "b", "--duration", "60s"], async () => {
    const d = await rig.diagnosisOf((t) => t.invariant === "node_draining", "node-drain b");
    expect(named(d)).toEqual({ component: "node:b", fault_class: "drained" });
  }));

test("a counter without TTL is a stale counter on its key; a flooded key is a hot key", async () => {
  for (let i = 0; i < 12; i++) await check(rig.cluster.up.nodes[i % 3]!.url, "user:stale");
  const stale = await rig.inject("stale-key", "--key", "user:stale", "--duration", "60s");
  try {
    const d = await rig.diagnosisOf((t) => t.invariant === "stale_counter", "stale-key");
    expect(named(d)).toEqual({ component: "key:user:stale", fault_class: "stale_counter" });
    expect(d.diagnosis.recommended_actions).toEqual([expect.objectContaining({ name: "reset_counter", params: { key: "user:stale" } })]);
  } finally {
    await rig.revert(stale);
  }
  const hot = await rig.inject("hot-key", "--key", "user:hot", "--rate", "200", "--duration", "60s");
  try {
    const d = await rig.diagnosisOf((t) => t.invariant === "hot_key", "hot-key");
    expect(named(d)).toEqual({ component: "key:user:hot", fault_class: "hot_key" });
  } finally {
    await rig.revert(hot);
  }
});
