// The monitor on a real local cluster (operator cluster up) under real node and link faults from
// operator chaos: each fault shows as its own invariant on its own resource, and the rules name
// the right component. The monitor finds the cluster from the state dir (no --targets).
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { blame, faults, watchedCluster } from "./fixtures/watch.ts";

// Real servers on a shared 2-core machine: bun's 5 s default is too tight (bunfig's [test] timeout is not applied).
setDefaultTimeout(60_000);

const rig = watchedCluster(["--nodes", "3", "--default-limit", "100000"]);
const { withFault } = rig;

const events = (stdout: string) => stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

describe("monitor under node and link faults", () => {
  test("the healthy local cluster, found from the state dir: --once shows no fault", async () => {
    const result = await rig.cluster.cli(["monitor", "--once", "--json", "--no-diagnose"]);
    const seen = events(result.stdout);
    const violations = seen.filter((e) => e.type === "violation").map((e) => e.key as string);
    expect(faults(violations)).toEqual([]);
    expect(result.exitCode).toBe(violations.length > 0 ? 1 : 0);
    expect(seen.at(-1)).toMatchObject({ type: "cycle", observed: true });
  });

  test("node-kill: node_down (refused), a ticket and a diagnosis naming the node from monitor --once; gone after revert", () =>
    withFault(["node-kill", "--node", "b"], async () => {
      const { keys, violations, o } = await rig.watch.until((k) => k.includes("node_down:node:b"), "node-kill");
      expect(faults(keys)).toEqual(["node_down:node:b"]);
      expect(violations.find((v) => v.invariant === "node_down")!.evidence.failure).toBe("refused");
      expect(blame({ violations, o }, "node_down:node:b")).toEqual(["node:b", "process_down"]);

      const once = await rig.cluster.cli(["monitor", "--once", "--json"]);
      expect(once.exitCode).toBe(1);
      const seen = events(once.stdout);
      const opened = seen.find((e) => e.type === "ticket_opened" && e.ticket.invariant === "node_down");
      expect(opened?.ticket).toMatchObject({ resource: "node:b", status: "open" });
      const diagnosis = seen.find((e) => e.type === "diagnosis" && e.diagnosis?.ticket_id === opened!.ticket.id);
      expect(diagnosis?.diagnosis.root_cause.component).toBe("node:b");
    }));

  test("node-pause: node_down that times out, a paused process", () =>
    withFault(["node-pause", "--node", "c"], async () => {
      const { keys, violations, o } = await rig.watch.until((k) => k.includes("node_down:node:c"), "node-pause");
      expect(faults(keys)).toEqual(["node_down:node:c"]);
      expect(violations.find((v) => v.invariant === "node_down")!.evidence.failure).toBe("timeout");
      expect(blame({ violations, o }, "node_down:node:c")).toEqual(["node:c", "process_paused"]);
    }));

  test("node-drain: node_draining, not node_down", () =>
    withFault(["node-drain", "--node", "a"], async () => {
      const { keys, violations, o } = await rig.watch.until((k) => k.includes("node_draining:node:a"), "node-drain");
      expect(faults(keys)).toEqual(["node_draining:node:a"]);
      expect(blame({ violations, o }, "node_draining:node:a")).toEqual(["node:a", "drained"]);
    }));

  test("partition of one node's link to Redis: that node degraded, blamed on its link", () =>
    withFault(["partition", "--node", "b"], async () => {
      const { keys, violations, o } = await rig.watch.until((k) => k.includes("node_degraded:node:b"), "partition");
      expect(faults(keys).filter((k) => !k.startsWith("counter_drift:") && !k.startsWith("over_admission:"))).toEqual(["node_degraded:node:b"]);
      expect(blame({ violations, o }, "node_degraded:node:b")).toEqual(["node:b", "network_partition"]);
    }));

  // 15 ms each way: a round trip over 10 ms, yet under the nodes' 50 ms Redis timeout (past it the node would fall back instead).
  test("redis-latency on one node's link: redis_latency on that node only, blamed on its link", () =>
    withFault(["redis-latency", "--node", "c", "--latency", "15ms"], async () => {
      const onlyC = (k: string[]) => JSON.stringify(k.filter((x) => x.startsWith("redis_latency:"))) === JSON.stringify(["redis_latency:node:c"]);
      const { violations, o } = await rig.watch.until(onlyC, "redis-latency on node c only", 30_000);
      expect(blame({ violations, o }, "redis_latency:node:c")).toEqual(["node:c", "network_latency"]);
    }));
});
