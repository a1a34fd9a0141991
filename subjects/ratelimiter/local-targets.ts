// What the monitor watches when no --targets are given: the local cluster recorded in the state dir
// (`operator cluster up`): its nodes by id, its Redis (one server or a Redis Cluster), its admin token.
import { readFileSync } from "node:fs";
import { loadLocalCluster } from "./cluster-record.ts";
import type { Target } from "./observe.ts";

export interface LocalTargets {
  nodes: Target[];
  redisUrl: string | undefined;
  /** The admin token from the cluster's token file (mode 0600), read when an action needs it. */
  adminToken(): string | undefined;
}

export function localTargets(stateDir: string): LocalTargets | undefined {
  const cluster = loadLocalCluster(stateDir);
  if (!cluster) return undefined;
  const hosts = cluster.redis.urls.map((url) => new URL(url).host);
  return {
    nodes: cluster.nodes.map((n) => ({ id: n.id, url: n.url })),
    redisUrl: cluster.redis.mode === "cluster" ? `redis+cluster://${hosts.join(",")}` : cluster.redis.urls[0],
    adminToken() {
      try {
        return readFileSync(cluster.adminTokenFile, "utf8").trim() || undefined;
      } catch {
        return undefined;
      }
    },
  };
}
