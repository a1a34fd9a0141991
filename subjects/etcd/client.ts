// etcd's v3 JSON gateway (grpc-gateway over HTTP) and its /health, as one member sees it.
// int64/uint64 fields arrive as JSON strings; ids exceed 2^53, so they stay strings end to end.
import { fetchText, type FetchFailure } from "../../lib/http/bounded-fetch.ts";
import { parseEtcdMetrics, type EtcdMetrics } from "./metrics.ts";

/** Why a request to one member failed: the member is data, not a crash. */
export type EtcdErrorKind = "refused" | "timeout" | "rejected" | "malformed";

export class EtcdRequestError extends Error {
  constructor(
    readonly kind: EtcdErrorKind,
    readonly endpoint: string,
    message: string,
    /** HTTP status and gRPC code of a rejected request (e.g. 400 / 11 "compacted", 412 / 9 "not leader"). */
    readonly status?: number,
    readonly grpcCode?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "EtcdRequestError";
  }
}

export interface EtcdClientOptions {
  /** Each request's deadline, ms; a paused member answers nothing, so nothing waits longer. */
  timeoutMs: number;
  /** Physical compaction and defragment wait for the backend to be rewritten: a longer deadline, ms (30 s). */
  maintenanceTimeoutMs?: number;
}

export interface MemberEntry {
  /** uint64 as a decimal string. */
  id: string;
  /** Empty for a member that was added but never started. */
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

export interface MemberStatus {
  memberId: string;
  version: string;
  /** null while the member knows no leader (etcd omits the field, i.e. 0). */
  leaderId: string | null;
  raftTerm: string;
  raftIndex: string;
  raftAppliedIndex: string;
  revision: string;
  dbSizeBytes: number;
  dbSizeInUseBytes: number;
  /** As etcd words them: "etcdserver: no leader", "memberID:… alarm:NOSPACE ". */
  errors: string[];
}

export type AlarmType = "NOSPACE" | "CORRUPT";
export interface Alarm {
  memberId: string;
  alarm: AlarmType | string;
}

/** Bounds every answer we read: status and lists are small, metrics run ~100 KiB, a value at most 1.5 MiB. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** gRPC code etcd uses for "required revision has been compacted" and "is a future revision". */
export const GRPC_OUT_OF_RANGE = 11;

/** A write refused because a NOSPACE alarm is raised ("etcdserver: mvcc: database space exceeded"). */
export const isNoSpace = (error: unknown) => error instanceof EtcdRequestError && /database space exceeded/.test(error.message);

const encode = (text: string) => Buffer.from(text, "utf8").toString("base64");
const decode = (b64: string | undefined) => Buffer.from(b64 ?? "", "base64").toString("utf8");

/** Words a failed exchange as etcd's own error; a caller's abort goes up as it came. */
function requestError(failure: FetchFailure, endpoint: string, path: string, timeoutMs: number): Error {
  const { kind, cause } = failure;
  if (kind === "too_large") return new EtcdRequestError("malformed", endpoint, `${endpoint} answered more than ${MAX_RESPONSE_BYTES} bytes`);
  if (kind === "timeout") return new EtcdRequestError("timeout", endpoint, `${endpoint} did not answer ${path} within ${timeoutMs} ms`, undefined, undefined, { cause });
  if (kind === "aborted") return cause as Error;
  const reason = kind === "refused" ? "refuses connections" : `is unreachable (${cause instanceof Error ? cause.message : String(cause)})`;
  return new EtcdRequestError("refused", endpoint, `${endpoint} ${reason}`, undefined, undefined, { cause });
}

export function createEtcdClient(options: EtcdClientOptions) {
  async function request(endpoint: string, path: string, init: RequestInit, timeoutMs: number, signal?: AbortSignal): Promise<{ status: number; text: string }> {
    const answer = await fetchText(`${endpoint}${path}`, init, { timeoutMs, maxBytes: MAX_RESPONSE_BYTES, signal });
    if (!answer.ok) throw requestError(answer.failure, endpoint, path, timeoutMs);
    return { status: answer.status, text: answer.body };
  }

  async function call<T>(endpoint: string, path: string, body: unknown, signal?: AbortSignal, timeoutMs = options.timeoutMs): Promise<T> {
    const init = { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } };
    const { status, text } = await request(endpoint, path, init, timeoutMs, signal);
    let parsed: { error?: string; message?: string; code?: number } & Record<string, unknown>;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new EtcdRequestError("malformed", endpoint, `${endpoint}${path} answered ${status} with non-JSON: ${text.slice(0, 200)}`, status, undefined, { cause: error });
    }
    if (status !== 200 || parsed.error) {
      throw new EtcdRequestError("rejected", endpoint, `${endpoint}${path}: ${parsed.message ?? parsed.error ?? `HTTP ${status}`}`, status, parsed.code);
    }
    return parsed as T;
  }

  type Header = { header?: { revision?: string; member_id?: string; cluster_id?: string } };

  return {
    async memberList(endpoint: string, signal?: AbortSignal): Promise<{ clusterId: string; members: MemberEntry[] }> {
      type Raw = Header & { members?: { ID?: string; name?: string; peerURLs?: string[]; clientURLs?: string[]; isLearner?: boolean }[] };
      const raw = await call<Raw>(endpoint, "/v3/cluster/member/list", {}, signal);
      return {
        clusterId: raw.header?.cluster_id ?? "",
        members: (raw.members ?? []).map((m) => ({
          id: m.ID ?? "0",
          name: m.name ?? "",
          peerUrls: m.peerURLs ?? [],
          clientUrls: m.clientURLs ?? [],
          isLearner: m.isLearner === true,
        })),
      };
    },

    async status(endpoint: string, signal?: AbortSignal): Promise<MemberStatus> {
      type Raw = Header & { version?: string; dbSize?: string; dbSizeInUse?: string; leader?: string; raftIndex?: string; raftTerm?: string; raftAppliedIndex?: string; errors?: string[] };
      const raw = await call<Raw>(endpoint, "/v3/maintenance/status", {}, signal);
      return {
        memberId: raw.header?.member_id ?? "0",
        version: raw.version ?? "",
        leaderId: raw.leader && raw.leader !== "0" ? raw.leader : null,
        raftTerm: raw.raftTerm ?? "0",
        raftIndex: raw.raftIndex ?? "0",
        raftAppliedIndex: raw.raftAppliedIndex ?? "0",
        revision: raw.header?.revision ?? "0",
        dbSizeBytes: Number(raw.dbSize ?? 0),
        dbSizeInUseBytes: Number(raw.dbSizeInUse ?? 0),
        errors: raw.errors ?? [],
      };
    },

    /** Linearizable: without quorum it waits out the deadline (status().errors still names alarms). */
    async alarms(endpoint: string, signal?: AbortSignal): Promise<Alarm[]> {
      const raw = await call<{ alarms?: { memberID?: string; alarm?: string }[] }>(endpoint, "/v3/maintenance/alarm", { action: "GET" }, signal);
      return (raw.alarms ?? []).map((a) => ({ memberId: a.memberID ?? "0", alarm: a.alarm ?? "NONE" }));
    },

    async disarm(endpoint: string, alarm: Alarm, signal?: AbortSignal): Promise<Alarm[]> {
      const raw = await call<{ alarms?: { memberID?: string; alarm?: string }[] }>(endpoint, "/v3/maintenance/alarm", { action: "DEACTIVATE", memberID: alarm.memberId, alarm: alarm.alarm }, signal);
      return (raw.alarms ?? []).map((a) => ({ memberId: a.memberID ?? "0", alarm: a.alarm ?? "NONE" }));
    },

    /** Returns the revision of the write. */
    async put(endpoint: string, key: string, value: string, signal?: AbortSignal): Promise<string> {
      const raw = await call<Header>(endpoint, "/v3/kv/put", { key: encode(key), value: encode(value) }, signal);
      return raw.header?.revision ?? "0";
    },

    /** Deletes one key; returns how many keys went (0 or 1). */
    async deleteKey(endpoint: string, key: string, signal?: AbortSignal): Promise<number> {
      const raw = await call<Header & { deleted?: string }>(endpoint, "/v3/kv/deleterange", { key: encode(key) }, signal);
      return Number(raw.deleted ?? 0);
    },

    /** One key's value, or null; and the store's current revision. */
    async get(endpoint: string, key: string, signal?: AbortSignal): Promise<{ value: string | null; revision: string }> {
      const raw = await call<Header & { kvs?: { value?: string }[] }>(endpoint, "/v3/kv/range", { key: encode(key) }, signal);
      const kv = raw.kvs?.[0];
      return { value: kv ? decode(kv.value) : null, revision: raw.header?.revision ?? "0" };
    },

    /** Drops every revision older than `revision` (a decimal string); physical waits until the backend freed it. */
    async compact(endpoint: string, revision: string, signal?: AbortSignal): Promise<void> {
      await call<Header>(endpoint, "/v3/kv/compaction", { revision, physical: true }, signal, options.maintenanceTimeoutMs ?? 30_000);
    },

    /** Whether `revision` is gone from this member's history (a read at it is refused as compacted). */
    async isCompacted(endpoint: string, revision: string, signal?: AbortSignal): Promise<boolean> {
      try {
        await call<Header>(endpoint, "/v3/kv/range", { key: encode("\0"), revision, serializable: true, count_only: true }, signal);
        return false;
      } catch (error) {
        if (error instanceof EtcdRequestError && error.grpcCode === GRPC_OUT_OF_RANGE && /compacted/.test(error.message)) return true;
        throw error;
      }
    },

    /** Rewrites this one member's backend file; the member serves nothing meanwhile. */
    async defragment(endpoint: string, signal?: AbortSignal): Promise<void> {
      await call<Header>(endpoint, "/v3/maintenance/defragment", {}, signal, options.maintenanceTimeoutMs ?? 30_000);
    },

    /** Must be sent to the current leader's endpoint. */
    async moveLeader(leaderEndpoint: string, targetId: string, signal?: AbortSignal): Promise<void> {
      await call<Header>(leaderEndpoint, "/v3/maintenance/transfer-leadership", { targetID: targetId }, signal);
    },

    /** etcd's own verdict: false with an alarm active or no leader; 503 is an answer, not a failure. */
    async health(endpoint: string, signal?: AbortSignal): Promise<boolean> {
      const { text } = await request(endpoint, "/health", {}, options.timeoutMs, signal);
      try {
        return JSON.parse(text).health === "true";
      } catch (error) {
        throw new EtcdRequestError("malformed", endpoint, `${endpoint}/health answered non-JSON: ${text.slice(0, 200)}`, undefined, undefined, { cause: error });
      }
    },

    async metrics(endpoint: string, signal?: AbortSignal): Promise<EtcdMetrics> {
      const { status, text } = await request(endpoint, "/metrics", {}, options.timeoutMs, signal);
      if (status !== 200) throw new EtcdRequestError("rejected", endpoint, `${endpoint}/metrics answered HTTP ${status}`, status);
      return parseEtcdMetrics(text);
    },
  };
}

export type EtcdClient = ReturnType<typeof createEtcdClient>;
