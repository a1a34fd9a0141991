// The chaos engine: a fault is a lease. It is recorded (target, revert plan, expiry) and a watchdog
// is running before anything is touched; a revert is claimed once, checked from outside, and a
// revert that does not hold leaves the fault active.
import { formatDuration } from "../cli/duration.ts";
import { goingDown, isGoingDown } from "../cluster/deployment.ts";
import { usageError } from "../cli/errors.ts";
import { processStartTime, type ProcessIdentity } from "../process/identity.ts";
import { abortableSleep, waitFor } from "../process/wait.ts";
import type { FaultPlan, FaultRecord } from "./fault.ts";
import { findFault, refreshDeployment, type ChaosSession } from "./session.ts";
import { claimRevert, dueFaults, failRevert, finishRevert, getFault, listFaults, markInjected, recordFault } from "./store.ts";
import { ensureWatchdog } from "./watchdog.ts";

/** How long a revert has, by default, to show from outside that it held. */
export const VERIFY_TIMEOUT_MS = 15_000;
/** After a revert that did not hold, the watchdog tries again this much later. */
export const RETRY_AFTER_MS = 2_000;

export const selfIdentity = (): ProcessIdentity => ({ pid: process.pid, startTime: processStartTime(process.pid) ?? 0 });

export interface InjectOptions {
  durationMs: number;
  stack: boolean;
  dryRun: boolean;
}

export type InjectOutcome = { dryRun: true; fault: string; plan: FaultPlan; durationMs: number } | { dryRun: false; record: FaultRecord };

export async function injectFault(session: ChaosSession, name: string, params: Record<string, unknown>, options: InjectOptions): Promise<InjectOutcome> {
  const definition = findFault(session, name);
  const plan = await definition.plan(session.ctx, params);
  const durationMs = plan.durationMs ?? options.durationMs;
  // The clash check and the record are one transaction: two commands racing for one target cannot both pass.
  const record = session.state.db.transaction(() => {
    if (isGoingDown(session.state)) throw goingDown(session.state);
    const clash = listFaults(session.state, { activeOnly: true }).find((f) => f.target === plan.target.resource);
    if (clash && !options.stack) {
      throw usageError("fault_conflict", `fault #${clash.id} (${clash.fault}) is already active on ${clash.target}: revert it first (operator chaos revert ${clash.id}) or pass --stack`);
    }
    return options.dryRun ? undefined : recordFault(session.state, { fault: name, subject: session.plugin.name, params, plan, durationMs, now: Date.now() });
  }).immediate();
  if (!record) return { dryRun: true, fault: name, plan, durationMs };
  ensureWatchdog(session.state, session.env.selfCommand);
  let learned: Record<string, unknown> | void;
  try {
    learned = await definition.inject(session.ctx, record);
  } catch (error) {
    // Half a fault is worse than none: undo whatever part took, then report the failure.
    await definition.revert(session.ctx, record).catch(() => {});
    finishRevert(session.state, record.id, { verified: false, error: `inject failed: ${(error as Error).message}`, now: Date.now() });
    throw error;
  }
  if (isGoingDown(session.state)) {
    // Down began meanwhile and may have stopped the cluster's processes already: take back what this inject started.
    await definition.revert(session.ctx, { ...record, revertPlan: { ...record.revertPlan, ...(learned ?? {}) } }).catch(() => {});
    finishRevert(session.state, record.id, { verified: false, error: "cancelled: the cluster was taken down", now: Date.now() });
    throw goingDown(session.state);
  }
  const injectedAt = Date.now();
  return { dryRun: false, record: markInjected(session.state, record.id, injectedAt, injectedAt + durationMs, { ...record.revertPlan, ...(learned ?? {}) }) };
}

export type RevertOutcome = { record: FaultRecord; outcome: "reverted" | "already-reverted" | "failed" };

/** Reverts fault `id` (idempotent): claims it, undoes it, checks from outside that it held. */
export async function revertFault(session: ChaosSession, id: number): Promise<RevertOutcome> {
  const self = selfIdentity();
  const verifyTimeoutMs = session.env.verifyTimeoutMs ?? VERIFY_TIMEOUT_MS;
  const claim = claimRevert(session.state, id, self, Date.now());
  if (!claim) throw usageError("unknown_fault_id", `no fault #${id} in ${session.state.dir}: operator chaos status lists them`);
  if ("done" in claim) return { record: claim.done, outcome: "already-reverted" };
  if ("busy" in claim) {
    // Another process (the watchdog, a --wait) is reverting it right now: wait for its verdict.
    const settled = await waitFor(() => {
      const now = getFault(session.state, id);
      return now && now.status !== "reverting" ? now : undefined;
    }, { timeoutMs: verifyTimeoutMs + 5_000, intervalMs: 100 });
    const record = settled ?? getFault(session.state, id)!;
    return { record, outcome: record.status === "reverted" ? "reverted" : "failed" };
  }
  const record = claim.claimed;
  refreshDeployment(session);
  const definition = findFault(session, record.fault);
  try {
    await definition.revert(session.ctx, record);
  } catch (error) {
    return { record: failRevert(session.state, id, `revert failed: ${(error as Error).message}`, Date.now() + RETRY_AFTER_MS), outcome: "failed" };
  }
  const held = await waitFor(() => definition.isReverted(session.ctx, record).catch(() => false), { timeoutMs: verifyTimeoutMs, intervalMs: 200 });
  if (!held) {
    return { record: failRevert(session.state, id, `the revert did not show from outside within ${formatDuration(verifyTimeoutMs)}`, Date.now() + RETRY_AFTER_MS), outcome: "failed" };
  }
  return { record: finishRevert(session.state, id, { verified: true, now: Date.now() }), outcome: "reverted" };
}

/** Reverts every fault whose lease ran out (the start of every chaos and cluster command does this). */
export async function revertExpired(session: ChaosSession): Promise<RevertOutcome[]> {
  const outcomes: RevertOutcome[] = [];
  for (const fault of dueFaults(session.state, Date.now())) outcomes.push(await revertFault(session, fault.id));
  return outcomes;
}

export async function revertAll(session: ChaosSession): Promise<RevertOutcome[]> {
  const outcomes: RevertOutcome[] = [];
  for (const fault of listFaults(session.state, { activeOnly: true })) outcomes.push(await revertFault(session, fault.id));
  return outcomes;
}

/** `--wait`: blocks until the lease ends (or the signal fires, e.g. Ctrl-C), then reverts. */
export async function waitThenRevert(session: ChaosSession, record: FaultRecord, signal: AbortSignal): Promise<RevertOutcome> {
  await abortableSleep(Math.max(0, record.expiresAt - Date.now()), signal);
  return revertFault(session, record.id);
}
