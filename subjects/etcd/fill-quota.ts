// A runaway writer: overwrites one key with large values until etcd refuses writes with NOSPACE.
// Each overwrite keeps the old value as a revision, so compaction can free nearly all of it again.
import { isNoSpace, type EtcdClient } from "./client.ts";

export const FILL_KEY = "/operator/fill-quota";

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
  const valueBytes = options.valueBytes ?? 512 * 1024;
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
