// Faults of a redis-server: paused (CLIENT PAUSE, lifted by Redis itself at the lease's end),
// killed (restarted from its append-only file), out of memory (tiny maxmemory, noeviction).
import type { FaultContext, FaultDefinition, FaultRecord } from "../../../lib/chaos/fault.ts";
import { OneOf } from "../../../lib/cli/config.ts";
import { unreachableError } from "../../../lib/cli/errors.ts";
import { isSameProcess } from "../../../lib/process/identity.ts";
import { killProcess } from "../../../lib/process/supervisor.ts";
import { detailsOf, processOf } from "../cluster-record.ts";
import { probeKeyOn, redisAcceptsWrites, redisAnswers, withRedis } from "../redis-admin.ts";
import { identityOf, selectRedis, shardSelector } from "./targets.ts";

const clustered = (ctx: FaultContext) => detailsOf(ctx.deployment).redisMode === "cluster";
const portOf = (fault: FaultRecord) => Number(fault.revertPlan.port);

async function acceptsWrites(ctx: FaultContext, port: number): Promise<boolean> {
  try {
    return await redisAcceptsWrites(port, await probeKeyOn(port, clustered(ctx)), 500);
  } catch {
    return false;
  }
}

export const redisPause: FaultDefinition = {
  name: "redis-pause",
  description: "CLIENT PAUSE for the lease: writes (--mode write) or every command (--mode all) wait; Redis lifts it by itself",
  targets: "the redis-server (a Redis Cluster master with --shard N)",
  options: { mode: { default: "write", schema: OneOf(["write", "all"] as const), help: "write: only writes wait; all: every command waits (cannot be lifted early)" }, ...shardSelector },
  async plan(ctx, params) {
    const { redis, process, resource } = selectRedis(ctx, params);
    return {
      target: { resource, identity: identityOf(process) },
      revert: { port: redis.port, mode: params.mode },
      summary: `CLIENT PAUSE ${String(params.mode).toUpperCase()} on ${redis.name} (port ${redis.port}); Redis resumes by itself at the lease's end`,
    };
  },
  async inject(_ctx, fault) {
    await withRedis(portOf(fault), (r) => r.call("CLIENT", "PAUSE", String(fault.durationMs), String(fault.revertPlan.mode).toUpperCase()));
  },
  async revert(_ctx, fault) {
    // Under PAUSE ALL even UNPAUSE waits: then only the end of the pause lifts it (verified below).
    await withRedis(portOf(fault), (r) => r.call("CLIENT", "UNPAUSE"), { timeoutMs: 500 }).catch(() => {});
  },
  async isReverted(ctx, fault) {
    return acceptsWrites(ctx, portOf(fault));
  },
};

export const redisKill: FaultDefinition = {
  name: "redis-kill",
  description: "kills the redis-server with SIGKILL; restarted on the same port when the lease ends (its append-only file keeps all but the last second)",
  targets: "the redis-server (a Redis Cluster master with --shard N)",
  options: { ...shardSelector },
  async plan(ctx, params) {
    const { redis, process, resource } = selectRedis(ctx, params);
    return { target: { resource, identity: identityOf(process) }, revert: { part: redis.name, port: redis.port }, summary: `SIGKILL ${redis.name} (pid ${process.pid}, port ${redis.port}); restart it when the lease ends` };
  },
  async inject(ctx, fault) {
    await killProcess(processOf(ctx.deployment, String(fault.revertPlan.part)), "redis");
  },
  async revert(ctx, fault) {
    const process = processOf(ctx.deployment, String(fault.revertPlan.part));
    if (isSameProcess(process) && (await redisAnswers(portOf(fault)))) return;
    await ctx.restartPart(String(fault.revertPlan.part));
  },
  async isReverted(ctx, fault) {
    if (!(await redisAnswers(portOf(fault)))) return false;
    if (!clustered(ctx)) return true;
    const info = await withRedis(portOf(fault), (r) => r.call("CLUSTER", "INFO") as Promise<string>).catch(() => "");
    return /cluster_state:ok/.test(info);
  },
};

export const redisOom: FaultDefinition = {
  name: "redis-oom",
  description: "sets maxmemory to 1 byte with noeviction, so every write fails with OOM; restores both on revert",
  targets: "the redis-server (a Redis Cluster master with --shard N)",
  options: { ...shardSelector },
  async plan(ctx, params) {
    const { redis, process, resource } = selectRedis(ctx, params);
    const [maxmemory, policy] = await withRedis(redis.port, async (r) => [
      ((await r.config("GET", "maxmemory")) as string[])[1] ?? "0",
      ((await r.config("GET", "maxmemory-policy")) as string[])[1] ?? "noeviction",
    ]).catch((error) => {
      throw unreachableError("redis_unreachable", `${redis.name} on port ${redis.port} does not answer: ${(error as Error).message}`);
    });
    return {
      target: { resource, identity: identityOf(process) },
      revert: { port: redis.port, maxmemory, policy },
      summary: `CONFIG SET maxmemory 1 maxmemory-policy noeviction on ${redis.name} (was ${maxmemory}, ${policy})`,
    };
  },
  async inject(_ctx, fault) {
    await withRedis(portOf(fault), async (r) => {
      await r.config("SET", "maxmemory-policy", "noeviction");
      await r.config("SET", "maxmemory", "1");
    });
  },
  async revert(_ctx, fault) {
    await withRedis(portOf(fault), async (r) => {
      await r.config("SET", "maxmemory", String(fault.revertPlan.maxmemory));
      await r.config("SET", "maxmemory-policy", String(fault.revertPlan.policy));
    });
  },
  async isReverted(ctx, fault) {
    const maxmemory = await withRedis(portOf(fault), async (r) => ((await r.config("GET", "maxmemory")) as string[])[1]).catch(() => undefined);
    return maxmemory === String(fault.revertPlan.maxmemory) && acceptsWrites(ctx, portOf(fault));
  },
};
