// Reading one node through its public API: who it is and how it decides (`/api/v1/node`), its
// metrics, its hot keys, the registry it knows, and its counters of chosen keys. Every answer is
// checked against the shape DESIGN.md gives it; anything else is a problem note, never a throw.
import * as v from "valibot";
import { getJson, getText, type HttpFailure, type HttpResult } from "./http-client.ts";
import { parseNodeMetrics, type NodeMetrics } from "./metrics-text.ts";
import type { CounterView } from "./observation.ts";
import type { HotKeyReading } from "./traffic-ledger.ts";
import { PATH } from "./wire.ts";

export interface ReadLimits {
  timeoutMs: number;
  signal: AbortSignal;
}

const MAX_JSON_BYTES = 256 * 1024;
const MAX_METRICS_BYTES = 1024 * 1024;
export const HOT_KEYS_PER_NODE = 20;

const Count = v.pipe(v.number(), v.finite());
const NodeDescription = v.object({
  node_id: v.pipe(v.string(), v.nonEmpty()),
  url: v.optional(v.string()),
  uptime_ms: v.optional(Count),
  redis: v.optional(v.object({ connected: v.boolean(), latency_ms: v.optional(v.nullable(Count)) })),
  fail_policy: v.optional(v.string()),
  mode: v.string(),
  draining: v.optional(v.boolean()),
  algorithm: v.optional(v.string()),
  default_limit: v.optional(Count),
  window_ms: v.optional(Count),
  decisions: v.optional(v.object({ allowed: Count, denied: Count, fallback: Count })),
});
export type NodeDescription = v.InferOutput<typeof NodeDescription>;

const HotKey = v.object({ key: v.string(), checks: Count, allowed: Count, denied: Count });
const Counter = v.object({ key: v.string(), count: Count, limit: Count, window_ms: Count, ttl_ms: Count, algorithm: v.string(), source: v.optional(v.string()) });
const Registered = v.object({ node_id: v.string(), url: v.string() });

/** The first array in a body that is an array or an object holding one (`{keys: [...]}`, `{nodes: [...]}`). */
function listIn(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (body && typeof body === "object") return Object.values(body).find(Array.isArray);
  return undefined;
}

function itemsOf<T>(body: unknown, schema: v.GenericSchema<unknown, T>): T[] | undefined {
  const list = listIn(body);
  if (!list) return undefined;
  return list.flatMap((item) => {
    const parsed = v.safeParse(schema, item);
    return parsed.success ? [parsed.output] : [];
  });
}

export interface NodeReading {
  description?: NodeDescription;
  failure?: HttpFailure;
  metrics?: NodeMetrics;
  hotKeys?: HotKeyReading[];
  registered?: { id: string; url: string }[];
  /** Parts it answered wrongly, as sentences without the node's name. */
  problems: string[];
}

const shape = (path: string, what: string): HttpFailure => ({ kind: "not_json", message: `answered ${path} with JSON that is not ${what}` });

/**
 * Reads everything a cycle needs from the node at `url`, requests in parallel. `withMetrics`:
 * also scrape /metrics (rendering it costs the node a few ms of CPU: not every cycle).
 */
export async function readNode(url: string, limits: ReadLimits, withMetrics = true): Promise<NodeReading> {
  const json = (path: string) => getJson(url + path, { ...limits, maxBytes: MAX_JSON_BYTES, acceptStatus: (s) => s < 500 || s === 503 });
  const skipped: HttpResult<string> = { ok: false, failure: { kind: "aborted", message: "not scraped this cycle" }, ms: 0 };
  const [node, metrics, hot, nodes] = await Promise.all([
    json(PATH.node),
    withMetrics ? getText(url + PATH.metrics, { ...limits, maxBytes: MAX_METRICS_BYTES }) : skipped,
    json(PATH.hotKeys(HOT_KEYS_PER_NODE)),
    json(PATH.nodes),
  ]);
  const reading: NodeReading = { problems: [] };
  const note = (path: string, result: HttpResult<unknown>) => {
    if (!result.ok && result.failure.kind !== "aborted") reading.problems.push(`${path} ${result.failure.message}`);
  };
  if (node.ok) {
    const parsed = v.safeParse(NodeDescription, node.value);
    if (parsed.success) reading.description = parsed.output;
    else reading.failure = shape(PATH.node, "a node description");
  } else {
    reading.failure = node.failure;
  }
  if (!reading.description) {
    if (reading.failure && !["refused", "timeout", "aborted", "network"].includes(reading.failure.kind)) reading.problems.push(`${PATH.node} ${reading.failure.message}`);
    return reading;
  }
  if (metrics.ok) reading.metrics = parseNodeMetrics(metrics.value);
  else note(PATH.metrics, metrics);
  if (hot.ok) {
    reading.hotKeys = itemsOf(hot.value, HotKey);
    if (!reading.hotKeys) reading.problems.push(`/api/v1/hot-keys answered JSON without a list of keys`);
  } else note("/api/v1/hot-keys", hot);
  if (nodes.ok) reading.registered = itemsOf(nodes.value, Registered)?.map((n) => ({ id: n.node_id, url: n.url.replace(/\/+$/, "") }));
  else note(PATH.nodes, nodes);
  return reading;
}

/** One node's counter of each of `keys`; keys it cannot answer for are left out. */
export async function readCounters(nodeId: string, url: string, keys: string[], limits: ReadLimits): Promise<{ counters: CounterView[]; problems: string[] }> {
  const problems: string[] = [];
  const answers = await Promise.all(keys.map((key) => getJson(url + PATH.counter(key), { ...limits, maxBytes: MAX_JSON_BYTES })));
  const counters = answers.flatMap((answer, i) => {
    if (!answer.ok) {
      // 404: the node knows no such key; 503: it cannot reach Redis, which its mode already tells.
      if (answer.failure.kind !== "aborted" && answer.failure.status !== 404 && answer.failure.status !== 503) problems.push(`/api/v1/counters/${keys[i]} ${answer.failure.message}`);
      return [];
    }
    const parsed = v.safeParse(Counter, answer.value);
    if (!parsed.success) {
      problems.push(`/api/v1/counters/${keys[i]} answered JSON that is not a counter`);
      return [];
    }
    const c = parsed.output;
    return [{ key: keys[i]!, node: nodeId, count: c.count, limit: c.limit, windowMs: c.window_ms, ttlMs: c.ttl_ms, algorithm: c.algorithm, source: c.source ?? "redis" }];
  });
  return { counters, problems };
}
