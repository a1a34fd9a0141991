// The monitor on a real local cluster under real Redis and key faults from operator chaos: a
// paused Redis (silent) and a dead one (refused), Redis out of memory, a stale counter and a hot
// key, each its own invariant, and the rules tell the look-alikes apart.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Violation } from "../lib/subject.ts";
import type { RatelimiterObservation } from "../subjects/ratelimiter/observation.ts";
import { rules } from "../subjects/ratelimiter/rules.ts";
import { downAll, startLocalCluster, type LocalCluster } from "./fixtures/local-cluster.ts";
import { faults, watchLocalCluster, type Watch } from "./fixtures/watch.ts";

// Real servers on a shared 2-core machine: bun's 5 s default is too tight (bunfig's [test] timeout is not applied).
setDefaultTimeout(60_000);

let cluster: LocalCluster;
let watch: Watch;
beforeAll(async () => {
  cluster = await startLocalCluster(["--nodes", "3", "--default-limit", "1000", "--algorithm", "fixed-window"]);
  watch = await watchLocalCluster(cluster.stateDir);
}, 60_000);
afterAll(async () => {
  await watch?.close();
  await downAll();
});

async function inject(fault: string, ...args: string[]): Promise<void> {
  const result = await cluster.cli(["chaos", fault, "--duration", "60s", "--json", ...args]);
  expect(result.exitCode).toBe(0);
}

async function revertAll(): Promise<void> {
  expect((await cluster.cli(["chaos", "revert", "--all"])).exitCode).toBe(0);
  await watch.until((k) => faults(k).length === 0, "after revert", 30_000);
}

function blame(violations: Violation[], observation: RatelimiterObservation, key: string): [string, string] | undefined {
  const found = rules.flatMap((r) => r.evaluate({ violations, observation, history: [], now: Date.now() })).filter((h) => h.explains.includes(key));
  const best = found.sort((a, b) => b.confidence - a.confidence)[0];
  return best && [best.component, best.faultClass];
}

const nodes = () => cluster.up.nodes.map((n) => n.url);
async function checks(key: string, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 10) {
    await Promise.all(Array.from({ length: Math.min(10, count - sent) }, (_, i) => fetch(`${nodes()[(sent + i) % 3]}/api/v1/check`, { method: "POST", body: JSON.stringify({ key }) }).then((r) => r.arrayBuffer())));
  }
}

const everyNodeDegraded = ["node_degraded:node:a", "node_degraded:node:b", "node_degraded:node:c", "redis_unreachable:redis"];
const exactly = (expected: string[]) => (k: string[]) => JSON.stringify(faults(k)) === JSON.stringify(expected);

describe("monitor under Redis and key faults", () => {
  test("redis-pause: Redis silent (no_reply), every node degraded, blamed on a paused Redis", async () => {
    await inject("redis-pause");
    const { violations, o } = await watch.until(exactly(everyNodeDegraded), "redis-pause");
    expect(o.redis?.failure?.kind).toBe("no_reply");
    expect(blame(violations, o, "node_degraded:node:a")).toEqual(["redis", "process_paused"]);
    await revertAll();
  });

  test("redis-kill: Redis refuses (refused), blamed on a dead Redis", async () => {
    await inject("redis-kill");
    const { violations, o } = await watch.until(exactly(everyNodeDegraded), "redis-kill");
    expect(o.redis?.failure?.kind).toBe("refused");
    expect(blame(violations, o, "redis_unreachable:redis")).toEqual(["redis", "process_down"]);
    await revertAll();
  });

  test("redis-oom: redis_memory on redis", async () => {
    await inject("redis-oom");
    const { violations, o } = await watch.until((k) => k.includes("redis_memory:redis"), "redis-oom");
    expect(blame(violations, o, "redis_memory:redis")).toEqual(["redis", "memory_pressure"]);
    await revertAll();
  });

  test("stale-key and hot-key look alike (denials) and are told apart", async () => {
    await checks("user:quiet-1", 20);
    await checks("user:quiet-2", 20);
    await inject("stale-key", "--key", "user:stale");
    const stale = await watch.until((k) => k.includes("stale_counter:key:user:stale"), "stale-key");
    expect(faults(stale.keys)).toEqual(["stale_counter:key:user:stale"]);
    expect(blame(stale.violations, stale.o, "stale_counter:key:user:stale")).toEqual(["key:user:stale", "stale_counter"]);
    await revertAll();

    await inject("hot-key", "--key", "user:hot", "--rate", "300");
    const hot = await watch.until((k) => k.includes("hot_key:key:user:hot"), "hot-key", 30_000);
    expect(faults(hot.keys).filter((k) => k.startsWith("hot_key:") || k.startsWith("stale_counter:"))).toEqual(["hot_key:key:user:hot"]);
    expect(blame(hot.violations, hot.o, "hot_key:key:user:hot")).toEqual(["key:user:hot", "hot_key"]);
    await revertAll();
  });
});
