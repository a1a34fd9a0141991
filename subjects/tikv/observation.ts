// What one look at a TiKV cluster holds: PD's view of members, stores and unhealthy regions (grouped
// per store, never one entry per region), optional per-store metrics, and what could not be read.
import type { EndpointStatus } from "./pd-http.ts";
import type { PdStore } from "./pd-shapes.ts";
import type { StoreQuery } from "./promql.ts";

export interface RegionGroup {
  count: number;
  /** A few region ids (smallest first) for a person to look at; never the whole list. */
  sampleRegionIds: string[];
}

/** One `/regions/check/*` list reduced to counts per resource (`store:<id>`, or `cluster` when no store is to blame). */
export interface RegionCheckSummary {
  total: number;
  byResource: Record<string, RegionGroup>;
}

export interface StoreMetric {
  /** `store:<id>` when the instance matches a store's status address, else `instance:<host:port>`. */
  resource: string;
  instance: string;
  value: number;
}

export interface PdMemberView {
  name: string;
  memberId: string;
  clientUrls: string[];
  /** From `/health`; null when PD did not say. */
  healthy: boolean | null;
}

export interface TikvObservation {
  observedAtMs: number;
  pd: {
    endpoints: EndpointStatus[];
    leader: string | null;
    members: PdMemberView[] | null;
    clusterId: string | null;
  };
  /** Null when PD could not list them (see `errors`). */
  stores: PdStore[] | null;
  schedulers: string[] | null;
  pausedSchedulers: string[] | null;
  /** Stores the evict-leader scheduler empties on purpose. */
  evictLeaderStoreIds: string[];
  regionChecks: {
    downPeer: RegionCheckSummary | null;
    missPeer: RegionCheckSummary | null;
    pendingPeer: RegionCheckSummary | null;
  };
  /** The TiKV services this operator can restart (the local compose cluster it watches), else null. */
  localCluster: { tikvServices: string[] } | null;
  /** Null without `--prometheus-url`; a null entry is a query that failed (see `errors`). */
  metrics: Record<StoreQuery["key"], StoreMetric[] | null> | null;
  errors: { source: string; message: string }[];
}

export const storeResource = (id: string) => `store:${id}`;
