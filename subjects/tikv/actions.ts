// What the operator may do to a TiKV cluster, all through PD, each with its risk; and the
// read-only tools a diagnosis may call. Failures come back as results that say if a retry helps.
import * as v from "valibot";
import type { ActionDefinition, ActionResult } from "../../lib/subject/subject.ts";
import { EVICT_LEADER_SCHEDULER, type PdClient } from "./pd-client.ts";
import { PdError } from "./pd-http.ts";
import { PrometheusError, type PrometheusClient } from "./prometheus-client.ts";

/**
 * An id PD prints as uint64, as decimal text (exact past 2^53). Strings only: every schema here
 * must render as JSON Schema for LLM tools, which have no union.
 */
const Id = v.pipe(
  v.string(),
  v.regex(/^[1-9]\d{0,19}$/, "must be a positive integer id as text, such as \"4\""),
  v.check((id) => !/^\d+$/.test(id) || BigInt(id) < 2n ** 64n, "must fit in uint64"),
  v.description("PD id (uint64) as decimal text"),
);
const Weight = v.pipe(v.number(), v.minValue(0), v.maxValue(1000));
const SchedulerName = v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,80}$/, "must be a PD scheduler name such as balance-leader-scheduler"));

const storeParams = v.object({ store_id: Id });

export const actionDefinitions = [
  {
    name: "transfer_leader",
    description: "Move the leader of one region to its peer on another store (PD operator transfer-leader).",
    params: v.object({ region_id: Id, to_store_id: Id }),
    risk: "low",
    kind: "action",
  },
  {
    name: "evict_leaders",
    description: "Move every leader off a store and keep them off (adds the store to evict-leader-scheduler).",
    params: storeParams,
    risk: "medium",
    kind: "action",
  },
  {
    name: "cancel_evict_leaders",
    description: "Let a store hold leaders again (removes it from evict-leader-scheduler).",
    params: storeParams,
    risk: "low",
    kind: "action",
  },
  {
    name: "set_store_weight",
    description: "Set a store's leader and region weights: PD balances leaders and regions in proportion to them.",
    params: v.object({ store_id: Id, leader_weight: Weight, region_weight: Weight }),
    risk: "medium",
    kind: "action",
  },
  {
    name: "pause_scheduler",
    description: "Pause a PD scheduler (e.g. balance-region-scheduler) for delay_s seconds.",
    params: v.object({ name: SchedulerName, delay_s: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(86_400)), 3_600) }),
    risk: "medium",
    kind: "action",
  },
  {
    name: "resume_scheduler",
    description: "Resume a paused PD scheduler.",
    params: v.object({ name: SchedulerName }),
    risk: "low",
    kind: "action",
  },
  {
    name: "remove_peer",
    description: "Remove one region's replica from a store (PD operator remove-peer). The region runs on fewer replicas until PD adds one back.",
    params: v.object({ region_id: Id, store_id: Id }),
    risk: "high",
    kind: "action",
  },
  {
    name: "restart_store",
    description: "Restart the TiKV process of a store (its container in the local cluster of cluster up --subject tikv; elsewhere, restart TiKV yourself).",
    params: storeParams,
    risk: "medium",
    kind: "action",
  },
  {
    name: "remove_store",
    description: "Take a store offline for good: PD moves all its replicas to other stores, then marks it Tombstone.",
    params: storeParams,
    risk: "high",
    kind: "action",
  },
  { name: "get_store", description: "One store as PD sees it: state, heartbeat, space, leaders, regions.", params: storeParams, risk: "low", kind: "tool" },
  { name: "get_region", description: "One region: peers, leader, down and pending peers.", params: v.object({ region_id: Id }), risk: "low", kind: "tool" },
  { name: "list_operators", description: "The operators PD is running (leader transfers, peer moves).", params: v.object({}), risk: "low", kind: "tool" },
  {
    name: "get_config",
    description: "PD's configuration: schedule (limits, max-store-down-time), replicate (max-replicas, labels), or all.",
    params: v.object({ section: v.optional(v.picklist(["schedule", "replicate", "all"]), "schedule") }),
    risk: "low",
    kind: "tool",
  },
  {
    name: "query_prometheus",
    description: "An instant PromQL query (at most 50 series back), when --prometheus-url is set.",
    params: v.object({ query: v.pipe(v.string(), v.nonEmpty(), v.maxLength(2_000)) }),
    risk: "low",
    kind: "tool",
  },
] satisfies ActionDefinition[] as ActionDefinition[];

const QUERY_TOOL_MAX_SERIES = 50;

export interface ActionDeps {
  pd: PdClient;
  prometheus: PrometheusClient | null;
  /** Restarts a service of the local cluster (given by the command that opened the subject). */
  restartService?: (service: string, signal: AbortSignal) => Promise<void>;
  localTikvServices?: string[];
}

/** An action this subject refuses for a reason a retry cannot fix. */
class Refusal extends Error {}

type Params = Record<string, any>;
type Handler = (deps: ActionDeps, p: Params, signal: AbortSignal) => Promise<{ message: string; data?: unknown }>;

const handlers: Record<string, Handler> = {
  transfer_leader: async ({ pd }, p, signal) => ({
    message: await pd.createOperator({ name: "transfer-leader", region_id: BigInt(p.region_id), to_store_id: BigInt(p.to_store_id) }, signal),
  }),
  evict_leaders: async ({ pd }, p, signal) => ({
    message: await pd.addScheduler({ name: EVICT_LEADER_SCHEDULER, store_id: BigInt(p.store_id) }, signal),
  }),
  cancel_evict_leaders: async ({ pd }, p, signal) => ({
    message: await pd.removeScheduler(`${EVICT_LEADER_SCHEDULER}-${p.store_id}`, signal),
  }),
  set_store_weight: async ({ pd }, p, signal) => ({
    message: await pd.setStoreWeight(p.store_id, { leader: p.leader_weight, region: p.region_weight }, signal),
  }),
  pause_scheduler: async ({ pd }, p, signal) => ({ message: await pd.pauseScheduler(p.name, p.delay_s, signal) }),
  resume_scheduler: async ({ pd }, p, signal) => ({ message: await pd.pauseScheduler(p.name, 0, signal) }),
  remove_peer: async ({ pd }, p, signal) => ({
    message: await pd.createOperator({ name: "remove-peer", region_id: BigInt(p.region_id), store_id: BigInt(p.store_id) }, signal),
  }),
  remove_store: async ({ pd }, p, signal) => ({ message: await pd.deleteStore(p.store_id, signal) }),
  restart_store: async ({ pd, restartService, localTikvServices }, p, signal) => {
    const store = await pd.store(p.store_id, signal);
    const service = store.address.split(":")[0]!;
    if (!restartService || !localTikvServices?.includes(service)) {
      throw new Refusal(`store ${store.id} (${store.address}) is not in a local cluster this operator started (cluster up --subject tikv): restart TiKV there yourself`);
    }
    await restartService(service, signal);
    return { message: `restarted ${service} (store ${store.id})` };
  },
  get_store: async ({ pd }, p, signal) => {
    const store = await pd.store(p.store_id, signal);
    return { message: `store ${store.id} (${store.address}) is ${store.stateName}`, data: store };
  },
  get_region: async ({ pd }, p, signal) => {
    const region = await pd.region(p.region_id, signal);
    return { message: `region ${region.id}: ${region.peers.length} peers, leader on store ${region.leader?.storeId ?? "none"}`, data: region };
  },
  list_operators: async ({ pd }, _p, signal) => {
    const operators = await pd.operators(signal);
    return { message: `${operators.length} operator${operators.length === 1 ? "" : "s"} running`, data: operators };
  },
  get_config: async ({ pd }, p, signal) => ({ message: `PD ${p.section} config`, data: await pd.config(p.section, signal) }),
  query_prometheus: async ({ prometheus }, p, signal) => {
    if (!prometheus) throw new PrometheusError("unreachable", "no Prometheus configured: pass --prometheus-url (env OPERATOR_PROMETHEUS_URL)");
    const result = await prometheus.query(p.query, { signal, maxSeries: QUERY_TOOL_MAX_SERIES });
    return { message: `${result.samples.length} series${result.truncated ? ` (first ${QUERY_TOOL_MAX_SERIES} only)` : ""}`, data: result };
  },
};

/** Runs one action or tool. Bad params, PD refusals and PD being away are results, never throws. */
export async function executeAction(deps: ActionDeps, name: string, params: unknown, signal: AbortSignal): Promise<ActionResult> {
  const definition = actionDefinitions.find((a) => a.name === name);
  const handler = handlers[name];
  if (!definition || !handler) {
    return { ok: false, retryable: false, message: `unknown tikv action "${name}": use one of ${actionDefinitions.map((a) => a.name).join(", ")}` };
  }
  const parsed = v.safeParse(definition.params, params ?? {});
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p: { key: unknown }) => String(p.key)).join(".") || "params";
    return { ok: false, retryable: false, message: `${name}: ${path} ${issue.message}` };
  }
  try {
    const { message, data } = await handler(deps, parsed.output as Params, signal);
    return { ok: true, retryable: false, message, ...(data === undefined ? {} : { data }) };
  } catch (error) {
    if (error instanceof PdError) return { ok: false, retryable: error.isRetryable, message: `${name}: ${error.message}` };
    if (error instanceof Refusal) return { ok: false, retryable: false, message: `${name}: ${error.message}` };
    if (error instanceof PrometheusError) return { ok: false, retryable: error.kind !== "query", message: `${name}: ${error.message}` };
    throw error;
  }
}
