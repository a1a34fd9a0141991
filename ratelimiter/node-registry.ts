// Node registration in Redis: a heartbeat hash per node with a TTL (so a crashed node vanishes by
// itself), an index of ids, and removal on clean shutdown.
import type { Cluster, Redis } from "ioredis";
import heartbeatLua from "./heartbeat.lua" with { type: "text" };
import { NODE_INDEX_KEY, nodeKeyOf } from "./keys.ts";

/** A registered node as `GET /api/v1/nodes` lists it (snake_case: the wire shape). */
export interface RegisteredNode {
  node_id: string;
  url: string;
  started_at: string;
  heartbeat_at: string;
  /** ms until the registration expires without another heartbeat */
  ttl_ms: number;
  algorithm: string;
  fail_policy: string;
  mode: string;
}

export interface NodeRegistry {
  /** Refreshes this node's registration; resolves to the number of registered nodes. */
  heartbeat(fields: Record<string, string | number>): Promise<number>;
  list(): Promise<RegisteredNode[]>;
  deregister(): Promise<void>;
}

type HeartbeatClient = { rlHeartbeat(...args: (string | number)[]): Promise<number> };

export function createNodeRegistry(client: Redis | Cluster, nodeId: string, ttlMs: number): NodeRegistry {
  client.defineCommand("rlHeartbeat", { numberOfKeys: 2, lua: heartbeatLua });
  const nodeKey = nodeKeyOf(nodeId);
  return {
    heartbeat(fields) {
      const pairs = Object.entries(fields).flatMap(([name, value]) => [name, value]);
      return (client as unknown as HeartbeatClient).rlHeartbeat(NODE_INDEX_KEY, nodeKey, nodeId, ttlMs, ...pairs);
    },
    async list() {
      const ids = await client.zrange(NODE_INDEX_KEY, "0", "-1");
      if (ids.length === 0) return [];
      // The index and the hashes share one hash tag: one pipeline, one slot, also on a Redis Cluster.
      const pipeline = client.pipeline();
      for (const id of ids) pipeline.hgetall(nodeKeyOf(id)).pttl(nodeKeyOf(id));
      const replies = (await pipeline.exec()) ?? [];
      const nodes: RegisteredNode[] = [];
      ids.forEach((id, i) => {
        const hash = replies[2 * i]?.[1] as Record<string, string> | undefined;
        const ttlMsLeft = replies[2 * i + 1]?.[1] as number | undefined;
        if (!hash || !hash.url) return; // expired since the index was read
        nodes.push({
          node_id: id,
          url: hash.url,
          started_at: new Date(Number(hash.started_at_ms)).toISOString(),
          heartbeat_at: new Date(Number(hash.heartbeat_at_ms)).toISOString(),
          ttl_ms: ttlMsLeft ?? -2,
          algorithm: hash.algorithm ?? "",
          fail_policy: hash.fail_policy ?? "",
          mode: hash.mode ?? "",
        });
      });
      return nodes;
    },
    async deregister() {
      await client.multi().zrem(NODE_INDEX_KEY, nodeId).del(nodeKey).exec();
    },
  };
}
