// Choosing what a fault hits in the recorded cluster (--node ID, --random, --shard N), and
// refusing a target that is not there (exit 2) or not running (exit 3).
import type { FaultContext } from "../../../lib/chaos/fault.ts";
import { NonNegativeInt, Switch, Text } from "../../../lib/cli/config.ts";
import { unreachableError, usageError } from "../../../lib/cli/errors.ts";
import { isSameProcess } from "../../../lib/process/identity.ts";
import { detailsOf, nodePart, processOf, redisPart, type NodePart, type RedisPart } from "../cluster-record.ts";
import type { ProcessRecord } from "../../../lib/cluster/deployment.ts";

export const nodeSelector = {
  node: { schema: Text, help: "the node to hit, by id (a, b, c, …)" },
  random: { schema: Switch, boolean: true, help: "hit a running node chosen at random" },
} as const;

export const shardSelector = {
  shard: { schema: NonNegativeInt, help: "with a Redis Cluster (--redis-shards 3): which master, 0-2 (default 0)" },
} as const;

export interface SelectedNode {
  node: NodePart;
  process: ProcessRecord;
}

/** The node named by --node, or a random running one with --random; it must be running. */
export function selectNode(ctx: FaultContext, params: Record<string, unknown>): SelectedNode {
  const nodes = detailsOf(ctx.deployment).nodes;
  let node: NodePart;
  if (typeof params.node === "string" && params.node !== "") node = nodePart(ctx.deployment, params.node);
  else if (params.random === true) {
    const running = nodes.filter((n) => isSameProcess(processOf(ctx.deployment, n.name)));
    if (running.length === 0) throw unreachableError("no_node_running", "no node of this cluster is running: operator cluster status shows why");
    node = running[Math.floor(Math.random() * running.length)]!;
  } else {
    throw usageError("no_target", `pick a node: --node ID (one of ${nodes.map((n) => n.id).join(", ")}) or --random`);
  }
  const process = processOf(ctx.deployment, node.name);
  if (!isSameProcess(process)) throw unreachableError("node_down", `node ${node.id} is not running (pid ${process.pid} is gone): operator cluster restart-node ${node.id}`);
  return { node, process };
}

export interface SelectedRedis {
  redis: RedisPart;
  process: ProcessRecord;
  /** The resource string: `redis` for one server, `redis:<shard>` for a Redis Cluster's master. */
  resource: string;
}

export function selectRedis(ctx: FaultContext, params: Record<string, unknown>, options: { mustRun?: boolean } = {}): SelectedRedis {
  const single = detailsOf(ctx.deployment).redisMode === "single";
  const shard = params.shard as number | undefined;
  if (single && shard !== undefined && shard !== 0) throw usageError("unknown_shard", "--shard applies to a Redis Cluster (cluster up --redis-shards 3); this cluster has one redis-server");
  const redis = redisPart(ctx.deployment, shard);
  const process = processOf(ctx.deployment, redis.name);
  if (options.mustRun !== false && !isSameProcess(process)) {
    throw unreachableError("redis_down", `${redis.name} is not running (pid ${process.pid} is gone): operator cluster restart-node ${redis.name}`);
  }
  return { redis, process, resource: single ? "redis" : `redis:${shard ?? 0}` };
}

/** A node's link proxy; only a single-server cluster has per-node links. */
export function linkOf(ctx: FaultContext, node: NodePart): NonNullable<NodePart["link"]> {
  if (!node.link) {
    throw usageError("no_link", "this cluster runs a Redis Cluster, whose clients connect to every master directly: link faults need cluster up --redis-shards 0");
  }
  return node.link;
}

export const identityOf = (p: ProcessRecord) => ({ name: p.name, pid: p.pid, start_time: p.startTime, ...(p.port ? { port: p.port } : {}) });
