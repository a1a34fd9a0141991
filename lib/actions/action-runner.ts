// Running one approved action exactly once: claim it (approved → executing, a conditional update
// that only one process wins), execute it under a deadline, record what happened. A process that
// dies mid-way leaves `executing` behind, which a restart turns into `needs_review`, never a rerun.
import type { ActionResult, Subject } from "../subject/subject.ts";
import { checkCall } from "./action-call.ts";
import { listActions, transitionAction, type ActionRecord } from "./action-store.ts";
import type { State } from "../state/state.ts";

export type ActingSubject = Pick<Subject, "name" | "actions" | "execute">;

export interface RunOptions {
  actor: string;
  now: () => number;
  /** How long the action may take before it counts as failed (retryable), ms. */
  timeoutMs: number;
  /** How long its ticket's violation has to clear after success for `verified`, ms. */
  verifyWithinMs: number;
  signal?: AbortSignal;
  /** Recorded as the owner while executing; defaults to this process. */
  pid?: number;
}

/**
 * Runs an approved action. Returns the finished record, or undefined when it was not ours to run
 * (no longer approved: another monitor claimed it, a person rejected it, the kill switch fired).
 */
export async function runApprovedAction(state: State, subject: ActingSubject, action: ActionRecord, options: RunOptions): Promise<ActionRecord | undefined> {
  const claimed = transitionAction(state, action.id, {
    to: "executing",
    actor: options.actor,
    why: "approved and in execute mode",
    now: options.now(),
    ownerPid: options.pid ?? process.pid,
  });
  if (!claimed) return undefined;
  const result = await execute(subject, claimed, options);
  const verifies = result.ok && claimed.ticketId !== null;
  const finishedAt = options.now();
  return transitionAction(state, claimed.id, {
    to: result.ok ? "succeeded" : "failed",
    // Only the run it claimed: an action a later monitor marked needs_review is a person's to close.
    from: ["executing"],
    actor: options.actor,
    why: result.message,
    now: finishedAt,
    result,
    ...(verifies ? { verification: "pending" as const, verifyBy: finishedAt + options.verifyWithinMs } : {}),
  });
}

async function execute(subject: ActingSubject, action: ActionRecord, options: RunOptions): Promise<ActionResult> {
  // Checked again at the last moment: the subject's definitions may have changed since the proposal.
  const call = checkCall(subject.actions(), "action", action.name, action.params);
  if (!call.ok) return { ok: false, message: `not run: ${call.reason}`, retryable: false };
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  try {
    return await subject.execute(action.name, call.params, AbortSignal.any(signals));
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    return {
      ok: false,
      message: timedOut ? `${action.name} did not finish within ${options.timeoutMs} ms` : `${action.name} failed: ${text}`,
      retryable: true,
    };
  }
}

/** Does process `pid` exist (EPERM: it does, owned by someone else)? */
export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
};

/**
 * Marks `needs_review` every action left `executing` by a process that is gone: it may have run,
 * or half-run, so only a person decides what to do next. Returns the actions it marked.
 */
export function reviewInterrupted(state: State, actor: string, now: number, alive: (pid: number) => boolean = isAlive): ActionRecord[] {
  const marked: ActionRecord[] = [];
  for (const action of listActions(state, { statuses: ["executing"] })) {
    if (action.ownerPid !== null && alive(action.ownerPid)) continue;
    const moved = transitionAction(state, action.id, {
      to: "needs_review",
      actor,
      why: `found executing after its process (pid ${action.ownerPid ?? "unknown"}) stopped: it may or may not have run; check and resolve by hand`,
      now,
    });
    if (moved) marked.push(moved);
  }
  return marked;
}
