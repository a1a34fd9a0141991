// A client that games a fixed window: it lets a key's window run almost to its end, sends the whole
// limit just before the edge and the whole limit again just after it, so twice the limit gets
// through within a fraction of a second. It repeats every other window for the lease, from a
// driver process. Under an exact algorithm (sliding log, GCRA) the second burst is refused.
import type { FaultContext, FaultDefinition, FaultRecord } from "../../../lib/chaos/fault.ts";
import { isDriverGone, startDriver, stopDriver } from "../../../lib/chaos/driver.ts";
import { NonEmptyText } from "../../../lib/cli/config.ts";
import { fetchJson } from "../../../lib/http/bounded-fetch.ts";
import { abortableSleep } from "../../../lib/process/wait.ts";
import { PATH } from "../wire.ts";
import { runningNodes } from "./key-faults.ts";

/** How long before a window's edge the first burst leaves, and after it the second (ms). */
const EDGE_LEAD_MS = 300;
/** Checks in flight at once within a burst. */
const BURST_CONCURRENCY = 50;

interface CheckAnswer {
  allowed: boolean;
  limit: number;
  /** ms until the whole limit is available again (a fixed window: until its edge). */
  reset_ms: number;
}

function checker(ctx: FaultContext, key: string, signal: AbortSignal) {
  const urls = runningNodes(ctx).map((n) => n.url);
  let next = 0;
  return async (): Promise<CheckAnswer | undefined> => {
    const url = urls[next++ % urls.length]!;
    const init = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ key, cost: 1 }) };
    const answer = await fetchJson(`${url}${PATH.check}`, init, { timeoutMs: 2000, maxBytes: Number.POSITIVE_INFINITY, signal });
    if (!answer.ok) return undefined;
    const body = answer.body as Partial<CheckAnswer> | null;
    return typeof body?.limit === "number" && typeof body.reset_ms === "number" ? (body as CheckAnswer) : undefined;
  };
}

async function burst(check: () => Promise<CheckAnswer | undefined>, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += BURST_CONCURRENCY) {
    await Promise.all(Array.from({ length: Math.min(BURST_CONCURRENCY, count - sent) }, check));
  }
}

export const edgeBurst: FaultDefinition = {
  name: "edge-burst",
  description: "a client sends a key's whole limit just before its window ends and again just after, every other window (the fixed-window boundary burst), from a driver process",
  targets: "one key: --key K",
  options: { key: { default: "edge-burst", schema: NonEmptyText, help: "the key whose window edges the bursts straddle" } },
  async plan(ctx, params) {
    const key = String(params.key);
    runningNodes(ctx);
    return {
      target: { resource: `key:${key}`, identity: { key, targets: ctx.deployment.endpoints } },
      revert: { key },
      summary: `bursts of key ${key}'s whole limit on both sides of its window's edge, every other window, over ${ctx.deployment.endpoints.length} node(s)`,
    };
  },
  async inject(ctx, fault) {
    return startDriver(ctx, fault);
  },
  async revert(_ctx, fault) {
    await stopDriver(fault);
  },
  async isReverted(_ctx, fault) {
    return isDriverGone(fault);
  },
  async drive(ctx: FaultContext, fault: FaultRecord, signal: AbortSignal) {
    const check = checker(ctx, String(fault.revertPlan.key), signal);
    while (!signal.aborted) {
      const opened = await check();
      if (!opened || !(opened.reset_ms > 0)) {
        await abortableSleep(200, signal);
        continue;
      }
      // A full window (the last round's second burst): let it end, then open a fresh one.
      if (!opened.allowed) {
        await abortableSleep(opened.reset_ms + 50, signal);
        continue;
      }
      await abortableSleep(Math.max(0, opened.reset_ms - EDGE_LEAD_MS), signal);
      if (signal.aborted) break;
      await burst(check, opened.limit);
      await abortableSleep(2 * EDGE_LEAD_MS, signal);
      if (signal.aborted) break;
      await burst(check, opened.limit);
    }
  },
};
