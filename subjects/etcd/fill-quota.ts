// A runaway writer: overwrites one key with large values until etcd refuses writes with NOSPACE.
// Each overwrite keeps the old value as a revision, so compaction can free nearly all of it again.
// As a chaos fault, its revert is the remedy itself: compact, defragment every member, disarm.
import type { FaultContext, FaultDefinition } from "../../lib/chaos/fault.ts";
import { unreachableError, usageError } from "../../lib/cli/errors.ts";
import { ACTION } from "./actions.ts";
import { formatSize } from "./byte-size.ts";
import { isNoSpace, type EtcdClient, createEtcdClient } from "./client.ts";
import { THRESHOLDS } from "./invariants.ts";
import { detailsOf } from "./local-cluster.ts";
import { openEtcd } from "./connect.ts";

export const FILL_KEY = "/operator/fill-quota";
const PROBE_KEY = "/operator/fill-quota-probe";
const VALUE_BYTES = 512 * 1024;
/** Larger quotas would write gigabytes to fill: the fault refuses them. */
const MAX_FILL_QUOTA_BYTES = 256 * 1024 * 1024;

export interface FillOptions {
  key?: string;
  /** Under etcd's 1.5 MiB request limit. */
  valueBytes?: number;
  /** Stop here even without NOSPACE (a quota far larger than intended). */
  maxWrites?: number;
}

export interface FillResult {
  writes: number;
  bytesWritten: number;
  reachedNoSpace: boolean;
}

export async function fillUntilNoSpace(client: EtcdClient, endpoint: string, options: FillOptions, signal: AbortSignal): Promise<FillResult> {
  const valueBytes = options.valueBytes ?? VALUE_BYTES;
  const maxWrites = options.maxWrites ?? 10_000;
  const filler = "x".repeat(valueBytes - 16);
  let writes = 0;
  while (writes < maxWrites && !signal.aborted) {
    try {
      await client.put(endpoint, options.key ?? FILL_KEY, `${String(writes).padStart(16, "0")}${filler}`, signal);
    } catch (error) {
      if (isNoSpace(error)) return { writes, bytesWritten: writes * valueBytes, reachedNoSpace: true };
      throw error;
    }
    writes += 1;
  }
  return { writes, bytesWritten: writes * valueBytes, reachedNoSpace: false };
}

/**
 * What the user of the cluster notices: a write through each member is accepted (not refused with
 * NOSPACE, not timed out). The probe key is deleted again.
 */
async function writesAccepted(endpoints: string[], signal: AbortSignal): Promise<boolean> {
  const client = createEtcdClient({ timeoutMs: 2_000 });
  try {
    for (const endpoint of endpoints) await client.put(endpoint, PROBE_KEY, "writable", signal);
    await client.deleteKey(endpoints[0]!, PROBE_KEY, signal);
    return true;
  } catch {
    return false;
  }
}

const subjectOf = (ctx: FaultContext) => openEtcd({ endpoints: ctx.deployment.endpoints, etcdTimeout: 2_000 });

export const fillQuota: FaultDefinition = {
  name: "fill-quota",
  description: `overwrites ${FILL_KEY} with ${VALUE_BYTES / 1024} KiB values until etcd raises NOSPACE and refuses writes; revert compacts, defragments each member, disarms`,
  targets: "the cluster's backend (cluster up --quota 256MiB or less)",
  options: {},
  async plan(ctx) {
    const quota = detailsOf(ctx.deployment).quotaBytes;
    if (!quota || quota > MAX_FILL_QUOTA_BYTES) {
      throw usageError("quota_too_large", `fill-quota needs a small quota, this cluster has ${quota ? formatSize(quota) : "etcd's default 2 GiB"}: operator cluster down, then operator cluster up --subject etcd --quota 16MiB`);
    }
    return { target: { resource: "cluster", identity: { quota_bytes: quota } }, revert: { key: FILL_KEY }, summary: `write ${FILL_KEY} until NOSPACE (quota ${formatSize(quota)}); revert: compact, defragment, disarm` };
  },
  async inject(ctx) {
    const client = createEtcdClient({ timeoutMs: 10_000 });
    const quota = detailsOf(ctx.deployment).quotaBytes!;
    const signal = new AbortController().signal;
    const errors: string[] = [];
    for (const endpoint of ctx.deployment.endpoints) {
      try {
        const filled = await fillUntilNoSpace(client, endpoint, { maxWrites: Math.ceil((2 * quota) / VALUE_BYTES) + 16 }, signal);
        if (!filled.reachedNoSpace) throw unreachableError("fill_failed", `wrote ${formatSize(filled.bytesWritten)} through ${endpoint} without NOSPACE`);
        return { writes: filled.writes };
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
    throw unreachableError("fill_failed", `could not fill the quota: ${errors.join("; ")}`);
  },
  async revert(ctx) {
    const subject = subjectOf(ctx);
    const signal = new AbortController().signal;
    for (const [action, params] of [[ACTION.compact, {}], [ACTION.defragment, {}], [ACTION.disarmAlarm, { alarm: "NOSPACE" }]] as const) {
      const result = await subject.execute(action, params, signal);
      if (!result.ok) throw unreachableError("revert_failed", `fill-quota revert: ${action}: ${result.message}`);
    }
    const client = createEtcdClient({ timeoutMs: 5_000 });
    await client.deleteKey(ctx.deployment.endpoints[0]!, FILL_KEY, signal).catch(() => 0);
  },
  /** Reverted when no alarm is raised, every member's file is under the threshold, and each member takes a write. */
  async isReverted(ctx) {
    const signal = new AbortController().signal;
    const o = await subjectOf(ctx).observe(signal);
    const quota = detailsOf(ctx.deployment).quotaBytes!;
    const spaceBack = o.alarms.length === 0 && o.members.every((m) => m.reachable && m.status !== null && m.status.dbSizeBytes < THRESHOLDS.dbQuotaRatio * quota);
    return spaceBack && (await writesAccepted(ctx.deployment.endpoints, signal));
  },
};
