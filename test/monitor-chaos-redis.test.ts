// The monitor on a real local cluster under real Redis and key faults from operator chaos: a
// paused Redis (silent) and a dead one (refused), Redis out of memory, a stale counter and a hot
// key, each its own invariant, and the rules tell the look-alikes apart. Key faults: monitor-chaos-keys.test.ts.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { blame, faults, watchedCluster } from "./fixtures/watch.ts";

// Real servers on a shared 2-core machine: bun's 5 s default is too tight (bunfig's [test] timeout is not applied).
setDefaultTimeout(60_000);

const rig = watchedCluster(["--nodes", "3", "--default-limit", "1000", "--algorithm", "fixed-window"]);
const { withFault } = rig;

const everyNodeDegraded = ["node_degraded:node:a", "node_degraded:node:b", "node_degraded:node:c", "redis_unreachable:redis"];
const exactly = (expected: string[]) => (k: string[]) => JSON.stringify(faults(k)) === JSON.stringify(expected);

describe("monitor under Redis and key faults", () => {
  // Nodes probe Redis with reads: without traffic they do not notice a write pause, so only the
  // operator's own canary write (and any node whose checks time out) shows it.
  test("redis-pause (CLIENT PAUSE WRITE): reads answer, writes never complete; blamed on a paused Redis", () =>
    withFault(["redis-pause"], async () => {
      const onlyRedisAndNodes = (k: string[]) => k.includes("redis_unreachable:redis") && faults(k).every((x) => x === "redis_unreachable:redis" || x.startsWith("node_degraded:"));
      const { violations, o } = await rig.watch.until(onlyRedisAndNodes, "redis-pause");
      expect([o.redis?.reachable, o.redis?.writes?.ok]).toEqual([true, false]);
      expect(violations.find((v) => v.invariant === "redis_unreachable")!.evidence.failure).toBe("writes_blocked");
      expect(blame({ violations, o }, "redis_unreachable:redis")).toEqual(["redis", "process_paused"]);
    }));

  test("redis-kill: Redis refuses (refused), blamed on a dead Redis", () =>
    withFault(["redis-kill"], async () => {
      const { violations, o } = await rig.watch.until(exactly(everyNodeDegraded), "redis-kill");
      expect(o.redis?.failure?.kind).toBe("refused");
      expect(blame({ violations, o }, "redis_unreachable:redis")).toEqual(["redis", "process_down"]);
    }));

  test("redis-oom: redis_memory on redis, refusing writes", () =>
    withFault(["redis-oom"], async () => {
      const { violations, o } = await rig.watch.until((k) => k.includes("redis_memory:redis"), "redis-oom");
      expect(violations.find((v) => v.invariant === "redis_memory")!.severity).toBe("critical");
      expect(blame({ violations, o }, "redis_memory:redis")).toEqual(["redis", "memory_pressure"]);
    }));
});
