// PD's HTTP API v1 as this subject uses it: bounded reads into plain shapes, and the mutating
// calls the actions need (PD answers those with a JSON string such as "The scheduler is created.").
import { PdError, PdHttp, type PdHttpOptions, type PdRequest } from "./pd-http.ts";
import {
  readEvictLeaderStores,
  readHealth,
  readMembers,
  readRegion,
  readRegions,
  readStore,
  readStores,
  readStringList,
  ShapeError,
  type PdMemberHealth,
  type PdMembers,
  type PdRegion,
  type PdStore,
} from "./pd-shapes.ts";

/** The `/regions/check/{kind}` lists this subject reads (PD also has extra-peer, empty-region, …). */
export const REGION_CHECKS = ["down-peer", "miss-peer", "pending-peer", "offline-peer", "extra-peer"] as const;
export type RegionCheck = (typeof REGION_CHECKS)[number];

export const EVICT_LEADER_SCHEDULER = "evict-leader-scheduler";

export class PdClient {
  readonly http: PdHttp;

  constructor(options: PdHttpOptions) {
    this.http = new PdHttp(options);
  }

  /** Calls PD and reads its answer with `reader`; a shape PD did not follow is a `bad_response`. */
  private async read<T>(request: PdRequest, reader: (raw: unknown) => T): Promise<T> {
    return parseAnswer(request.path, await this.http.call(request), reader);
  }

  /** A mutating call; PD's answer is a JSON string (or nothing), returned as text. */
  private async command(request: PdRequest): Promise<string> {
    const raw = await this.http.call(request);
    if (typeof raw === "string") return raw;
    return raw === null ? "done" : JSON.stringify(raw);
  }

  stores(signal?: AbortSignal): Promise<PdStore[]> {
    return this.read({ path: "/stores", signal }, readStores);
  }

  /** Stores in the named states (`up`, `disconnected`, `down`, `offline`, `tombstone`); PD ≥ 7 only. */
  storesInStates(states: string[], signal?: AbortSignal): Promise<PdStore[]> {
    const query = states.map((s) => `state=${encodeURIComponent(s)}`).join("&");
    return this.read({ path: `/stores/check?${query}`, signal }, readStores);
  }

  store(id: string, signal?: AbortSignal): Promise<PdStore> {
    return this.read({ path: `/store/${id}`, signal }, readStore);
  }

  /** Every region (bounded by the body limit: a large cluster's list is refused, not buffered). */
  regions(signal?: AbortSignal): Promise<PdRegion[]> {
    return this.read({ path: "/regions", signal }, readRegions);
  }

  regionCheck(kind: RegionCheck, signal?: AbortSignal): Promise<PdRegion[]> {
    return this.read({ path: `/regions/check/${kind}`, signal }, readRegions);
  }

  /** One region; older PDs answer `null` with 200 for an unknown id, newer ones 404: both become a 404 PdError. */
  async region(id: string, signal?: AbortSignal): Promise<PdRegion> {
    const path = `/region/id/${id}`;
    const raw = await this.http.call({ path, signal });
    if (raw === null || (typeof raw === "object" && !("id" in raw))) {
      throw new PdError("http", `PD has no region ${id}`, { path, httpStatus: 404 });
    }
    return parseAnswer(path, raw, readRegion);
  }

  members(signal?: AbortSignal): Promise<PdMembers> {
    return this.read({ path: "/members", signal }, readMembers);
  }

  health(signal?: AbortSignal): Promise<PdMemberHealth[]> {
    return this.read({ path: "/health", signal }, readHealth);
  }

  /** Scheduler names; `paused` lists only the paused ones. */
  schedulers(status?: "paused" | "disabled", signal?: AbortSignal): Promise<string[]> {
    return this.read({ path: status ? `/schedulers?status=${status}` : "/schedulers", signal }, (raw) => readStringList(raw, "schedulers"));
  }

  /** Store ids whose leaders the evict-leader scheduler moves away. */
  async evictLeaderStores(schedulerNames: string[], signal?: AbortSignal): Promise<string[]> {
    // PD < 4 ran one `evict-leader-scheduler-<id>` per store; newer PDs keep one scheduler with a store list.
    const fromNames = schedulerNames.filter((n) => n.startsWith(`${EVICT_LEADER_SCHEDULER}-`)).map((n) => n.slice(EVICT_LEADER_SCHEDULER.length + 1));
    if (!schedulerNames.includes(EVICT_LEADER_SCHEDULER)) return fromNames;
    const listed = await this.read({ path: `/scheduler-config/${EVICT_LEADER_SCHEDULER}/list`, signal }, readEvictLeaderStores);
    return [...new Set([...fromNames, ...listed])];
  }

  /** Pending operators as PD prints them (one descriptive string each). */
  operators(signal?: AbortSignal): Promise<string[]> {
    return this.read({ path: "/operators", signal }, (raw) => readStringList(raw, "operators"));
  }

  config(section: "all" | "schedule" | "replicate", signal?: AbortSignal): Promise<unknown> {
    return this.http.call({ path: section === "all" ? "/config" : `/config/${section}`, signal });
  }

  // ---- mutating calls ---------------------------------------------------------------------------

  createOperator(body: Record<string, unknown>, signal?: AbortSignal): Promise<string> {
    return this.command({ method: "POST", path: "/operators", body, signal });
  }

  addScheduler(body: Record<string, unknown>, signal?: AbortSignal): Promise<string> {
    return this.command({ method: "POST", path: "/schedulers", body, signal });
  }

  removeScheduler(name: string, signal?: AbortSignal): Promise<string> {
    return this.command({ method: "DELETE", path: `/schedulers/${encodeURIComponent(name)}`, signal });
  }

  /** Pauses a scheduler for `delaySeconds`; 0 resumes it. */
  pauseScheduler(name: string, delaySeconds: number, signal?: AbortSignal): Promise<string> {
    return this.command({ method: "POST", path: `/schedulers/${encodeURIComponent(name)}`, body: { delay: delaySeconds }, signal });
  }

  setStoreWeight(storeId: string, weights: { leader: number; region: number }, signal?: AbortSignal): Promise<string> {
    return this.command({ method: "POST", path: `/store/${storeId}/weight`, body: weights, signal });
  }

  /** Takes a store offline: PD moves its replicas elsewhere, then marks it Tombstone. */
  deleteStore(storeId: string, signal?: AbortSignal): Promise<string> {
    return this.command({ method: "DELETE", path: `/store/${storeId}`, signal });
  }
}

function parseAnswer<T>(path: string, raw: unknown, reader: (raw: unknown) => T): T {
  try {
    return reader(raw);
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    throw new PdError("bad_response", `PD answered ${path} with an unexpected shape: ${error.message}`, { path }, { cause: error });
  }
}
