// What the subject watches when no --targets is given: the local cluster recorded in the state dir
// (`operator cluster up`), its nodes by id, its Redis seen directly, and its admin token file.
import { loadLocalCluster } from "./cluster-record.ts";
import { readFileSync } from "node:fs";
import type { SubjectOptions } from "./options.ts";
import type { Target } from "./observe.ts";

export interface Watched {
  options: SubjectOptions;
  /** The nodes to observe, with their ids when the local cluster names them. */
  targets: Target[];
}

/** The options as given, with what they leave out filled in from the local cluster; undefined when neither names a node. */
export function watchedFrom(options: SubjectOptions, stateDir: string): Watched | undefined {
  if (options.targets) return { options, targets: options.targets.map((url) => ({ url })) };
  const cluster = loadLocalCluster(stateDir);
  if (!cluster) return undefined;
  // The operator reads Redis itself, not through a node's link proxy: a slow or cut link shows as that node's.
  const redisUrl = cluster.redis.mode === "single" ? cluster.redis.urls[0] : cluster.nodes[0]?.redisUrl;
  const adminToken = readToken(cluster.adminTokenFile);
  return {
    options: {
      ...options,
      targets: cluster.nodes.map((n) => n.url),
      ...(options.redisUrl || !redisUrl ? {} : { redisUrl }),
      ...(options.adminToken || !adminToken ? {} : { adminToken }),
    },
    targets: cluster.nodes.map((n) => ({ url: n.url, id: n.id })),
  };
}

function readToken(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
