// What the operator may do to the rate limiter (actions, with risk) and what it may read (tools),
// each with a valibot schema for its params, executed through the nodes' HTTP API.
import { Redis } from "ioredis";
import * as v from "valibot";
import type { ActionDefinition, ActionResult } from "../../lib/subject/subject.ts";
import { createAdminClient, type AdminClient, type NodeTarget } from "./admin-client.ts";
import { loadLocalCluster } from "./cluster-record.ts";

export const ALGORITHMS = ["fixed-window", "sliding-window", "sliding-log", "gcra"] as const;

const Key = v.pipe(v.string(), v.minLength(1), v.maxLength(512), v.regex(/^[^\u0000-\u001f]+$/, "must not contain control characters"), v.description("the rate-limit key, e.g. user:42"));
const NodeId = v.pipe(v.string(), v.minLength(1), v.maxLength(200), v.description("the node's id, as in node:<id>"));
const ms = (what: string, min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max), v.description(what));

const KeyParams = v.object({ key: Key });
const NodeParams = v.object({ node: NodeId });

export const ratelimiterActions: ActionDefinition[] = [
  { name: "reset_counter", kind: "action", risk: "low", params: KeyParams, description: "Delete one key's counter state so it starts a fresh window (fixes a stuck or stale counter)." },
  {
    name: "update_limit",
    kind: "action",
    risk: "medium",
    params: v.object({
      key: Key,
      limit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000_000), v.description("requests allowed per window")),
      window_ms: ms("window length in ms", 1, 7 * 86_400_000),
      algorithm: v.optional(v.picklist(ALGORITHMS)),
    }),
    description: "Set a per-key limit override (limit per window, optionally the algorithm).",
  },
  {
    name: "block_key",
    kind: "action",
    risk: "medium",
    params: v.object({ key: Key, ttl_ms: v.optional(ms("how long the block lasts, ms", 1_000, 7 * 86_400_000)), reason: v.optional(v.pipe(v.string(), v.maxLength(200))) }),
    description: "Deny every check of one key (an abusive or runaway client), for ttl_ms or until unblocked.",
  },
  { name: "unblock_key", kind: "action", risk: "medium", params: KeyParams, description: "Lift a block on one key." },
  { name: "drain_node", kind: "action", risk: "high", params: NodeParams, description: "Make one node stop taking checks (it answers 503) so clients move to the others." },
  { name: "undrain_node", kind: "action", risk: "high", params: NodeParams, description: "Let a drained node take checks again." },
  { name: "restart_node", kind: "action", risk: "high", params: NodeParams, description: "Restart one node's process (local cluster only)." },
  { name: "get_counter", kind: "tool", risk: "low", params: v.object({ key: Key, node: v.optional(NodeId) }), description: "One key's counter as a node sees it: count, limit, window, TTL, and the source it answers from." },
  { name: "get_limit", kind: "tool", risk: "low", params: KeyParams, description: "One key's effective limit, window, algorithm and whether it is an override." },
  {
    name: "list_hot_keys",
    kind: "tool",
    risk: "low",
    params: v.object({ node: v.optional(NodeId), count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100))) }),
    description: "The heaviest keys over the last window, per node (checks, allowed, denied).",
  },
  { name: "node_info", kind: "tool", risk: "low", params: NodeParams, description: "One node's state: uptime, Redis connectivity and latency, fail policy, mode, decision counts, draining." },
  {
    name: "redis_info",
    kind: "tool",
    risk: "low",
    params: v.object({ section: v.optional(v.picklist(["server", "clients", "memory", "stats", "persistence", "replication", "keyspace"])) }),
    description: "Redis INFO (one section, default memory): memory and eviction, clients, stats.",
  },
];

export interface RatelimiterActionContext {
  /** The nodes known now, in order of preference (from the local deployment or the observation). */
  nodes(): Promise<NodeTarget[]>;
  /** Bearer token for the admin endpoints. */
  adminToken?: string;
  /** For redis_info: a redis:// or rediss:// URL. */
  redisUrl?: string;
  /** Restarts one node's process by its id in the local cluster; only a local cluster can. */
  restartNode?(nodeId: string, signal: AbortSignal): Promise<void>;
  /** The state dir of the local cluster, to find a node's cluster id from its URL (a node seen only by URL). */
  stateDir?: string;
  requestTimeoutMs?: number;
}

const path = (prefix: string, key: string, suffix = "") => `${prefix}/${encodeURIComponent(key)}${suffix}`;

const describe = (result: ActionResult, message: string): ActionResult => (result.ok ? { ...result, message } : result);

/** Runs one action or tool by name; `params` must already have passed its schema. */
export async function executeRatelimiterAction(name: string, params: any, context: RatelimiterActionContext, signal: AbortSignal): Promise<ActionResult> {
  const client = createAdminClient({ nodes: context.nodes, adminToken: context.adminToken, requestTimeoutMs: context.requestTimeoutMs });
  switch (name) {
    case "reset_counter":
      return describe(await client.onAnyNode("POST", path("/api/v1/counters", params.key, "/reset"), signal, {}, true), `counter of ${params.key} reset`);
    case "update_limit": {
      const body = { limit: params.limit, window_ms: params.window_ms, ...(params.algorithm ? { algorithm: params.algorithm } : {}) };
      return describe(await client.onAnyNode("PUT", path("/api/v1/limits", params.key), signal, body, true), `limit of ${params.key} set to ${params.limit} per ${params.window_ms} ms${params.algorithm ? ` (${params.algorithm})` : ""}`);
    }
    case "block_key": {
      const body = { ...(params.ttl_ms ? { ttl_ms: params.ttl_ms } : {}), ...(params.reason ? { reason: params.reason } : {}) };
      return describe(await client.onAnyNode("PUT", path("/api/v1/blocks", params.key), signal, body, true), `${params.key} blocked${params.ttl_ms ? ` for ${params.ttl_ms} ms` : ""}`);
    }
    case "unblock_key":
      return describe(await client.onAnyNode("DELETE", path("/api/v1/blocks", params.key), signal, undefined, true), `${params.key} unblocked`);
    case "drain_node":
    case "undrain_node": {
      const drain = name === "drain_node";
      return describe(await client.onNode(params.node, "POST", "/api/v1/node/drain", signal, { drain }, true), `node ${params.node} ${drain ? "drained" : "takes checks again"}`);
    }
    case "restart_node":
      return restartNode(client, context, params.node, signal);
    case "get_counter":
      return params.node
        ? client.onNode(params.node, "GET", path("/api/v1/counters", params.key), signal)
        : client.onAnyNode("GET", path("/api/v1/counters", params.key), signal);
    case "get_limit":
      return client.onAnyNode("GET", path("/api/v1/limits", params.key), signal);
    case "list_hot_keys":
      return hotKeys(client, params.node, params.count ?? 10, signal);
    case "node_info":
      return client.onNode(params.node, "GET", "/api/v1/node", signal);
    case "redis_info":
      return redisInfo(context.redisUrl, params.section ?? "memory", signal);
    default:
      return { ok: false, message: `unknown action "${name}"`, retryable: false };
  }
}

/**
 * The node's id in the local cluster: a node that never answered the monitor is known only by its
 * address (`127.0.0.1:8082`), while the cluster knows it as `b`; the URL ties the two.
 */
function clusterIdOf(nodeId: string, known: NodeTarget[], stateDir: string | undefined): string | undefined {
  const cluster = stateDir ? loadLocalCluster(stateDir) : undefined;
  if (!cluster) return known.some((n) => n.id === nodeId) ? nodeId : undefined;
  const url = known.find((n) => n.id === nodeId)?.url ?? `http://${nodeId}`;
  return cluster.nodes.find((n) => n.id === nodeId || n.url === url)?.id;
}

async function restartNode(client: AdminClient, context: RatelimiterActionContext, nodeId: string, signal: AbortSignal): Promise<ActionResult> {
  if (!context.restartNode) return { ok: false, message: "restart_node works only on a local cluster (operator cluster up): this deployment has no process supervisor", retryable: false };
  const nodes = await client.nodes();
  const id = clusterIdOf(nodeId, nodes, context.stateDir);
  if (!id) return { ok: false, message: `no node "${nodeId}" in the local cluster: known nodes are ${nodes.map((n) => n.id).join(", ") || "none"}`, retryable: false };
  try {
    await context.restartNode(id, signal);
    return { ok: true, message: `node ${nodeId}${id !== nodeId ? ` (${id})` : ""} restarted`, retryable: false };
  } catch (error) {
    return { ok: false, message: `restarting node ${nodeId} failed: ${error instanceof Error ? error.message : String(error)}`, retryable: true };
  }
}

async function hotKeys(client: AdminClient, nodeId: string | undefined, count: number, signal: AbortSignal): Promise<ActionResult> {
  const ids = nodeId ? [nodeId] : (await client.nodes()).map((n) => n.id);
  const perNode = await Promise.all(ids.map(async (id) => ({ id, result: await client.onNode(id, "GET", `/api/v1/hot-keys?count=${count}`, signal) })));
  const data = perNode.map(({ id, result }) => (result.ok ? { node: id, hot_keys: result.data } : { node: id, error: result.message }));
  const ok = perNode.some((p) => p.result.ok);
  return { ok, message: ok ? `hot keys of ${perNode.filter((p) => p.result.ok).length} node(s)` : `no node answered: ${perNode.map((p) => p.result.message).join("; ")}`, retryable: !ok, data };
}

async function redisInfo(redisUrl: string | undefined, section: string, signal: AbortSignal): Promise<ActionResult> {
  if (!redisUrl || !/^rediss?:\/\//.test(redisUrl)) return { ok: false, message: "redis_info needs a redis:// or rediss:// URL (a Redis Cluster or Sentinel URL is not supported here)", retryable: false };
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2_000, commandTimeout: 2_000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on("error", () => {});
  const abort = () => redis.disconnect();
  signal.addEventListener("abort", abort, { once: true });
  try {
    await redis.connect();
    const text = await redis.info(section);
    const fields = Object.fromEntries(
      text.split(/\r?\n/).filter((l) => l && !l.startsWith("#") && l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]),
    );
    return { ok: true, message: `redis INFO ${section}`, retryable: false, data: fields };
  } catch (error) {
    return { ok: false, message: `redis INFO failed: ${error instanceof Error ? error.message : String(error)}`, retryable: true };
  } finally {
    signal.removeEventListener("abort", abort);
    redis.disconnect();
  }
}
