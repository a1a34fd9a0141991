// Faults of one rate-limit key: a counter that lost its TTL (stuck until repaired), and a hot key
// (a burst of checks on it from a detached loadgen of this same binary).
import { join } from "node:path";
import type { FaultContext, FaultDefinition, FaultRecord } from "../../../lib/chaos/fault.ts";
import { NonEmptyText, PositiveNumber } from "../../../lib/cli/config.ts";
import { DEPLOYMENT_DIR } from "../../../lib/cluster/deployment.ts";
import { unreachableError } from "../../../lib/cli/errors.ts";
import { fetchText } from "../../../lib/http/bounded-fetch.ts";
import { isSameProcess } from "../../../lib/process/identity.ts";
import { spawnDetached, stopProcess } from "../../../lib/process/supervisor.ts";
import { detailsOf, processOf } from "../cluster-record.ts";
import { keyStatePatternOf, parseCounterKey, PATH } from "../wire.ts";
import { withRedis } from "../redis-admin.ts";

interface StaleCounter {
  key: string;
  port: number;
  /** Its TTL when the fault took it away, ms. */
  pttl_ms: number;
}

/** The counters of `key` on every Redis of the cluster (a Redis Cluster keeps them on one master). */
async function findCounters(ctx: FaultContext, key: string): Promise<{ key: string; port: number }[]> {
  const found: { key: string; port: number }[] = [];
  for (const redis of detailsOf(ctx.deployment).redis) {
    const keys = await withRedis(redis.port, async (r) => {
      const all: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await r.scan(cursor, "MATCH", keyStatePatternOf(key), "COUNT", 100);
        all.push(...batch);
        cursor = next;
      } while (cursor !== "0");
      return all;
    }).catch((error) => {
      throw unreachableError("redis_unreachable", `${redis.name} on port ${redis.port} does not answer: ${(error as Error).message}`);
    });
    found.push(...keys.filter((k) => parseCounterKey(k)?.key === key).map((k) => ({ key: k, port: redis.port })));
  }
  return found;
}

export function runningNodes(ctx: FaultContext) {
  const running = detailsOf(ctx.deployment).nodes.filter((n) => isSameProcess(processOf(ctx.deployment, n.name)));
  if (running.length === 0) throw unreachableError("no_node_running", "no node of this cluster is running: operator cluster status shows why");
  return running;
}

/** Makes a counter exist by sending one check for `key` through a running node. */
async function touch(ctx: FaultContext, key: string): Promise<void> {
  const node = runningNodes(ctx)[0]!;
  const init = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ key, cost: 1 }) };
  const answer = await fetchText(`${node.url}${PATH.check}`, init, { timeoutMs: 2000, maxBytes: Number.POSITIVE_INFINITY });
  if (!answer.ok) throw answer.failure.cause;
}

const countersOf = (fault: FaultRecord) => (fault.revertPlan.counters ?? []) as StaleCounter[];

export const staleKey: FaultDefinition = {
  name: "stale-key",
  description: "removes the TTL of a key's counters (PERSIST): a fixed-window counter then never resets; revert gives back what was left of the TTL",
  targets: "one key: --key K",
  options: { key: { default: "stale-key", schema: NonEmptyText, help: "the rate-limit key whose counters lose their TTL (one check creates them if needed)" } },
  async plan(ctx, params) {
    const key = String(params.key);
    const existing = await findCounters(ctx, key);
    return {
      target: { resource: `key:${key}`, identity: { key, counters: existing.map((c) => c.key) } },
      revert: { key },
      summary: `PERSIST the counters of key ${key}${existing.length ? ` (${existing.map((c) => c.key).join(", ")})` : " (created by one check first)"}`,
    };
  },
  async inject(ctx, fault) {
    const key = String(fault.revertPlan.key);
    let counters = await findCounters(ctx, key);
    if (counters.length === 0) {
      await touch(ctx, key);
      counters = await findCounters(ctx, key);
    }
    const stale: StaleCounter[] = [];
    for (const c of counters) {
      const pttl = await withRedis(c.port, async (r) => {
        const ms = await r.pttl(c.key);
        if (ms > 0) await r.persist(c.key);
        return ms;
      });
      if (pttl > 0) stale.push({ key: c.key, port: c.port, pttl_ms: pttl });
    }
    if (stale.length === 0) throw unreachableError("no_counter", `key ${key} has no counter with a TTL to remove (did the check reach Redis?)`);
    return { counters: stale };
  },
  async revert(_ctx, fault) {
    const elapsedMs = Date.now() - fault.injectedAt;
    for (const c of countersOf(fault)) {
      // Give back what was left of the window: a TTL that would have run out expires now.
      const remaining = Math.max(1, c.pttl_ms - elapsedMs);
      await withRedis(c.port, async (r) => {
        if ((await r.pttl(c.key)) === -1) await r.pexpire(c.key, remaining);
      });
    }
  },
  async isReverted(_ctx, fault) {
    for (const c of countersOf(fault)) {
      if ((await withRedis(c.port, (r) => r.pttl(c.key))) === -1) return false;
    }
    return true;
  },
};

export const hotKey: FaultDefinition = {
  name: "hot-key",
  description: "a burst of checks on one key from a detached loadgen (round robin over the nodes), for the lease",
  targets: "one key: --key K",
  options: {
    key: { default: "hot-key", schema: NonEmptyText, help: "the key every check of the burst asks for" },
    rate: { default: "500", schema: PositiveNumber, help: "checks per second on that key" },
  },
  async plan(ctx, params) {
    const key = String(params.key);
    runningNodes(ctx);
    return {
      target: { resource: `key:${key}`, identity: { key, targets: ctx.deployment.endpoints } },
      revert: { key, rate: params.rate },
      summary: `${params.rate} checks/s on key ${key} over ${ctx.deployment.endpoints.length} node(s), from a detached loadgen`,
    };
  },
  async inject(ctx, fault) {
    const argv = [...ctx.selfCommand, "loadgen", "--targets", ctx.deployment.endpoints.join(","), "--rate", String(fault.revertPlan.rate), "--duration", `${fault.durationMs}ms`, "--key", String(fault.revertPlan.key)];
    const identity = spawnDetached({ argv, logFile: join(ctx.stateDir, DEPLOYMENT_DIR, "logs", `hot-key-${fault.id}.log`), owner: ctx.stateDir });
    return { pid: identity.pid, start_time: identity.startTime };
  },
  async revert(_ctx, fault) {
    if (typeof fault.revertPlan.pid === "number") await stopProcess({ pid: fault.revertPlan.pid, startTime: Number(fault.revertPlan.start_time) }, { graceMs: 2000 });
  },
  async isReverted(_ctx, fault) {
    return typeof fault.revertPlan.pid !== "number" || !isSameProcess({ pid: fault.revertPlan.pid, startTime: Number(fault.revertPlan.start_time) });
  },
};
