// One look at the cluster: PD's members, health, stores, region checks and schedulers, and the
// per-store PromQL when Prometheus is configured. A part that fails becomes an error entry; only
// a PD that no endpoint answers at all is an error of the whole observation.
import { unreachableError } from "../../lib/cli/errors.ts";
import type { PdMemberView, StoreMetric, TikvObservation } from "./observation.ts";
import { storeResource } from "./observation.ts";
import { PdError } from "./pd-http.ts";
import type { PdClient } from "./pd-client.ts";
import type { PdMemberHealth, PdMembers, PdStore } from "./pd-shapes.ts";
import { STORE_QUERIES, type StoreQuery } from "./promql.ts";
import type { PrometheusClient } from "./prometheus-client.ts";
import { groupDownPeers, groupMissPeers, groupPendingPeers } from "./region-groups.ts";

export interface ObserveDeps {
  pd: PdClient;
  prometheus: PrometheusClient | null;
  now: () => number;
  /** TiKV services of the local cluster that `restart_store` can restart; empty when there is none. */
  localTikvServices?: string[];
}

export async function observeCluster(deps: ObserveDeps, signal?: AbortSignal): Promise<TikvObservation> {
  const { pd } = deps;
  // Errors keep the order the reads were started in, not the order they failed in.
  const errorSlots: (TikvObservation["errors"][number] | null)[] = [];
  const failures: unknown[] = [];
  let attempts = 0;
  const attempt = async <T>(source: string, read: () => Promise<T>): Promise<T | null> => {
    const slot = errorSlots.push(null) - 1;
    attempts += 1;
    try {
      return await read();
    } catch (error) {
      if (signal?.aborted) throw error;
      failures[slot] = error;
      errorSlots[slot] = { source, message: error instanceof Error ? error.message : String(error) };
      return null;
    }
  };

  const [endpoints, members, health, stores, downPeers, missPeers, pendingPeers, schedulers, paused] = await Promise.all([
    pd.http.probe(signal),
    attempt("pd /members", () => pd.members(signal)),
    attempt("pd /health", () => pd.health(signal)),
    attempt("pd /stores", () => pd.stores(signal)),
    attempt("pd /regions/check/down-peer", () => pd.regionCheck("down-peer", signal)),
    attempt("pd /regions/check/miss-peer", () => pd.regionCheck("miss-peer", signal)),
    attempt("pd /regions/check/pending-peer", () => pd.regionCheck("pending-peer", signal)),
    attempt("pd /schedulers", () => pd.schedulers(undefined, signal)),
    attempt("pd /schedulers?status=paused", () => pd.schedulers("paused", signal)),
  ]);
  const failed = failures.filter((f) => f !== undefined);
  if (failed.length === attempts && failed.every((f) => f instanceof PdError && (f.kind === "unreachable" || f.kind === "timeout"))) {
    throw unreachableError("pd_unreachable", `${(failed[0] as Error).message}; check --pd-url (env OPERATOR_PD_URL)`, { cause: failed[0] });
  }
  const evicted = schedulers ? await attempt("pd evict-leader-scheduler config", () => pd.evictLeaderStores(schedulers, signal)) : null;
  const errors = errorSlots.filter((e) => e !== null);
  const metrics = deps.prometheus ? await observeMetrics(deps.prometheus, stores, errors, signal) : null;

  return {
    observedAtMs: deps.now(),
    pd: {
      endpoints,
      leader: members?.leader ?? null,
      members: memberViews(members, health),
      clusterId: members?.clusterId ?? null,
    },
    stores,
    schedulers,
    pausedSchedulers: paused,
    evictLeaderStoreIds: evicted ?? [],
    regionChecks: {
      downPeer: downPeers && groupDownPeers(downPeers),
      missPeer: missPeers && groupMissPeers(missPeers, stores),
      pendingPeer: pendingPeers && groupPendingPeers(pendingPeers),
    },
    localCluster: deps.localTikvServices?.length ? { tikvServices: deps.localTikvServices } : null,
    metrics,
    errors,
  };
}

function memberViews(members: PdMembers | null, health: PdMemberHealth[] | null): PdMemberView[] | null {
  if (!members && !health) return null;
  const byId = new Map<string, PdMemberView>();
  for (const m of members?.members ?? []) byId.set(m.memberId, { name: m.name, memberId: m.memberId, clientUrls: m.clientUrls, healthy: null });
  for (const h of health ?? []) {
    const known = byId.get(h.memberId);
    byId.set(h.memberId, { name: h.name || known?.name || "", memberId: h.memberId, clientUrls: h.clientUrls, healthy: h.health });
  }
  return [...byId.values()];
}

async function observeMetrics(
  prometheus: PrometheusClient,
  stores: PdStore[] | null,
  errors: TikvObservation["errors"],
  signal?: AbortSignal,
): Promise<NonNullable<TikvObservation["metrics"]>> {
  const resourceOf = instanceResolver(stores ?? []);
  const answers = await Promise.allSettled(STORE_QUERIES.map((q) => prometheus.query(q.promql, { signal })));
  if (signal?.aborted) throw signal.reason;
  const entries = STORE_QUERIES.map((q, i): [StoreQuery["key"], StoreMetric[] | null] => {
    const answer = answers[i]!;
    if (answer.status === "rejected") {
      const error = answer.reason;
      errors.push({ source: `prometheus ${q.key}`, message: error instanceof Error ? error.message : String(error) });
      return [q.key, null];
    }
    const metrics = answer.value.samples
      .filter((s) => Number.isFinite(s.value))
      .map((s) => ({ resource: resourceOf(s.labels.instance ?? ""), instance: s.labels.instance ?? "", value: s.value }));
    return [q.key, metrics];
  });
  return Object.fromEntries(entries) as NonNullable<TikvObservation["metrics"]>;
}

/** Maps a Prometheus `instance` (TiKV's status address, `tikv1:20180`) to the store PD knows by it. */
export function instanceResolver(stores: PdStore[]): (instance: string) => string {
  const byAddress = new Map<string, string>();
  for (const store of stores) {
    if (store.statusAddress) byAddress.set(store.statusAddress, store.id);
    byAddress.set(store.address, store.id);
  }
  return (instance) => {
    const id = byAddress.get(instance);
    return id ? storeResource(id) : `instance:${instance}`;
  };
}
