// The local rate-limiter cluster as recorded in the state dir: nodes, their links, Redis, the admin
// token file. `loadLocalCluster(stateDir)` is how other code (the monitor, demos) finds it.
import { readFileSync } from "node:fs";
import { findProcess, loadDeployment, type DeploymentRecord, type ProcessRecord } from "../../lib/cluster/deployment.ts";
import { usageError } from "../../lib/cli/errors.ts";

export const SUBJECT = "ratelimiter";

/** The flags every node of the cluster runs with, as text (they are passed on as typed). */
export interface NodeFlags {
  algorithm: string;
  defaultLimit: string;
  window: string;
  failPolicy: string;
  redisTimeout: string;
}

export interface RedisPart {
  /** Process name in the deployment (`redis`, `redis-0`…). */
  name: string;
  port: number;
  dir: string;
}

export interface NodePart {
  /** What a person types: `a`, `b`, … */
  id: string;
  /** Process name (`node-a`). */
  name: string;
  port: number;
  url: string;
  /** What the node is told to connect to: its link proxy, or the Redis Cluster's seeds. */
  redisUrl: string;
  link?: { name: string; port: number; controlUrl: string };
}

/** `DeploymentRecord.details` of this subject. */
export interface ClusterDetails {
  redisMode: "single" | "cluster";
  redis: RedisPart[];
  nodes: NodePart[];
  adminTokenFile: string;
  redisServer: string;
  nodeFlags: NodeFlags;
}

export const detailsOf = (record: DeploymentRecord) => record.details as unknown as ClusterDetails;

export function nodePart(record: DeploymentRecord, id: string): NodePart {
  const details = detailsOf(record);
  const node = details.nodes.find((n) => n.id === id || n.name === id);
  if (!node) throw usageError("unknown_node", `no node "${id}" in this cluster: use one of ${details.nodes.map((n) => n.id).join(", ")}`);
  return node;
}

export function redisPart(record: DeploymentRecord, shard: number | undefined): RedisPart {
  const details = detailsOf(record);
  const part = details.redis[shard ?? 0];
  if (!part) throw usageError("unknown_shard", `no redis shard ${shard}: this cluster has ${details.redis.length === 1 ? "one redis-server (shard 0)" : `shards 0 to ${details.redis.length - 1}`}`);
  return part;
}

export function processOf(record: DeploymentRecord, name: string): ProcessRecord {
  const found = findProcess(record, name);
  if (!found) throw usageError("unknown_part", `no part ${name} in the recorded cluster`);
  return found;
}

export function readAdminToken(record: DeploymentRecord): string {
  return readFileSync(detailsOf(record).adminTokenFile, "utf8").trim();
}

/** The local cluster in plain terms, for the monitor and others: who runs where, by pid. */
export interface LocalCluster {
  stateDir: string;
  nodes: { id: string; url: string; pid: number; startTime: number; redisUrl: string; linkControlUrl?: string }[];
  redis: { mode: "single" | "cluster"; urls: string[]; pids: number[] };
  adminTokenFile: string;
}

export function localClusterOf(record: DeploymentRecord): LocalCluster {
  const details = detailsOf(record);
  return {
    stateDir: record.stateDir,
    nodes: details.nodes.map((n) => {
      const p = findProcess(record, n.name);
      return { id: n.id, url: n.url, pid: p?.pid ?? 0, startTime: p?.startTime ?? 0, redisUrl: n.redisUrl, ...(n.link ? { linkControlUrl: n.link.controlUrl } : {}) };
    }),
    redis: {
      mode: details.redisMode,
      urls: details.redis.map((r) => `redis://127.0.0.1:${r.port}`),
      pids: details.redis.map((r) => findProcess(record, r.name)?.pid ?? 0),
    },
    adminTokenFile: details.adminTokenFile,
  };
}

/** The rate-limiter cluster recorded in `stateDir`, or undefined when none (or another subject's). */
export function loadLocalCluster(stateDir: string): LocalCluster | undefined {
  const record = loadDeployment(stateDir);
  return record && record.subject === SUBJECT ? localClusterOf(record) : undefined;
}
