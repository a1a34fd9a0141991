// The notifier: runs in the monitor, reads new incident transitions from the journal into each
// target's deliveries, sends what is due (in order per incident, with backoff), re-sends firing
// Alertmanager alerts, keeps the watchdog alive, and prunes old rows. Every decision is in plan.ts;
// this is the loop, the database and the network around them.
import { pruneJournal } from "../state/journal.ts";
import type { State } from "../state/state.ts";
import { alertLabels, RESEND_INTERVAL_MS, watchdogRequest } from "./alertmanager.ts";
import { postJson, REQUEST_TIMEOUT_MS } from "./http-post.ts";
import type { Message } from "./message.ts";
import { requestFor } from "./wire-format.ts";
import {
  claimDelivery, enqueueTransitions, getThread, installId, pendingByIncident, pruneDeliveries, recordDeliveries,
  saveThread, setNextAttempt, staleOpenThreads, type Delivery, type Thread,
} from "./outbox.ts";
import { afterAttempt, decide, retryDelayMs } from "./plan.ts";
import { redactFor, type NotifyTarget } from "./target.ts";
import { incidentKey } from "./transition.ts";
import { heartbeatRequest } from "./webhook.ts";

export interface NotifierOptions {
  state: State;
  targets: readonly NotifyTarget[];
  consoleUrl: string | undefined;
  groupWaitMs: number;
  retentionMs: number;
  /** Streams one delivery outcome (a monitor `notification` event); data already redacted. */
  report: (data: Record<string, unknown>, human: string) => void;
}

/**
 * A claimed row is left alone this long: the request's own timeout plus a margin for recording
 * its answer. Past it, the claiming process died mid-request and the row is tried again.
 */
const CLAIM_LEASE_MS = REQUEST_TIMEOUT_MS + 5_000;
const PRUNE_EVERY_MS = 3_600_000;

export interface Notifier {
  readonly targets: readonly NotifyTarget[];
  /** One pass over every target at `now`. */
  tick(now: number): Promise<void>;
  /** One target's pass: enqueue, deliver what is due, re-send, watchdog. */
  tickTarget(target: NotifyTarget, now: number): Promise<void>;
  /** Drops deliveries and journal entries older than the retention (at most hourly). */
  prune(now: number): void;
}

export function createNotifier(options: NotifierOptions): Notifier {
  const { state, targets } = options;
  const id = installId(state);
  const redact = (text: string) => redactFor(targets, text);
  const startedAt = new Map<string, number>();
  const nextBeatAt = new Map<string, number>();
  const resendPausedUntil = new Map<string, number>();
  let prunedAt = Number.NEGATIVE_INFINITY;

  async function deliverIncident(target: NotifyTarget, rows: Delivery[], now: number): Promise<void> {
    const head = rows[0]!;
    if (head.nextAttemptAt > now) return;
    const thread = getThread(state, target.id, head.incidentId);
    const decision = decide({ kind: target.kind, minSeverity: target.minSeverity, pending: rows.map((r) => r.transition), announced: thread !== undefined, groupWaitMs: options.groupWaitMs, now });
    if (decision.kind === "wait") {
      if (decision.until > head.nextAttemptAt) setNextAttempt(state, target.id, head.journalId, decision.until);
      return;
    }
    if (decision.kind === "skip") {
      recordDeliveries(state, target.id, decision.journalIds, { status: "skipped", attempted: false, note: decision.why }, now);
      return;
    }
    if (!claimDelivery(state, head, now + CLAIM_LEASE_MS)) return;
    const key = incidentKey(id, head.incidentId);
    const message: Message = {
      event: decision.event, incident: decision.incident, transition: decision.transition, key, consoleUrl: options.consoleUrl,
      labels: thread?.labels ?? alertLabels(decision.incident, key), startsAt: thread?.startsAt ?? (Date.parse(decision.incident.opened_at) || now), now,
    };
    const result = await postJson(requestFor(target, message));
    const after = afterAttempt(result.outcome, { attempts: head.attempts, dueAt: head.transition.at }, now);
    const error = "error" in after ? redact(after.error) : undefined;
    const folded = decision.journalIds.filter((j) => j !== head.journalId);
    if (after.status === "pending") {
      recordDeliveries(state, target.id, [head.journalId], { status: "pending", attempted: true, nextAttemptAt: after.nextAttemptAt, error }, now);
    } else {
      state.db.transaction(() => {
        recordDeliveries(state, target.id, [head.journalId], { status: after.status, attempted: true, error, note: decision.event }, now);
        if (folded.length) recordDeliveries(state, target.id, folded, { status: after.status, attempted: false, error, note: `folded into the first message (#${head.journalId})` }, now);
        // A first message given up still starts the thread: the incident's later transitions,
        // its resolve above all, are sent as if it had arrived.
        saveThread(state, { targetId: target.id, incidentId: head.incidentId, labels: message.labels, startsAt: message.startsAt, snapshot: decision.incident, open: decision.event !== "resolve", lastSentAt: now });
      })();
    }
    const what = `incident #${head.incidentId} ${decision.event} (${key})`;
    const data = { target: target.display, kind: target.kind, incident_id: head.incidentId, key, event: decision.event, status: after.status === "pending" ? "retrying" : after.status, attempts: head.attempts + 1, journal_ids: decision.journalIds, ...(error ? { error } : {}) };
    const human =
      after.status === "sent" ? `notified ${target.display}: ${what}`
      : after.status === "pending" ? `notification to ${target.display} failed (attempt ${head.attempts + 1}, retrying in ${Math.round((after.nextAttemptAt - now) / 1_000)} s): ${what}: ${error}`
      : `notification to ${target.display} given up: ${what}: ${error}`;
    options.report(data, human);
  }

  async function resend(target: NotifyTarget, now: number): Promise<void> {
    if ((resendPausedUntil.get(target.id) ?? 0) > now) return;
    for (const thread of staleOpenThreads(state, target.id, now - RESEND_INTERVAL_MS)) {
      const message = threadMessage(thread, now);
      const result = await postJson(requestFor(target, message));
      if (!result.outcome.ok) {
        // Alertmanager is away: re-sends pause as a fifth retry would (the alerts stay valid for minutes).
        resendPausedUntil.set(target.id, now + retryDelayMs(5));
        return;
      }
      saveThread(state, { ...thread, lastSentAt: now });
    }
  }

  const threadMessage = (thread: Thread, now: number): Message => ({
    event: "update", incident: thread.snapshot, transition: undefined, key: incidentKey(id, thread.incidentId), consoleUrl: options.consoleUrl,
    labels: thread.labels, startsAt: thread.startsAt, now,
  });

  async function beat(target: NotifyTarget, now: number): Promise<void> {
    if (target.kind !== "alertmanager" && target.kind !== "webhook") return;
    if ((nextBeatAt.get(target.id) ?? 0) > now) return;
    nextBeatAt.set(target.id, now + RESEND_INTERVAL_MS);
    if (!startedAt.has(target.id)) startedAt.set(target.id, now);
    await postJson(target.kind === "alertmanager" ? watchdogRequest(target, id, now, startedAt.get(target.id)!) : heartbeatRequest(target, id, now));
  }

  async function tickTarget(target: NotifyTarget, now: number): Promise<void> {
    enqueueTransitions(state, target, now);
    for (const rows of pendingByIncident(state, target.id).values()) await deliverIncident(target, rows, now);
    if (target.kind === "alertmanager") await resend(target, now);
    await beat(target, now);
  }

  const prune = (now: number) => {
    if (now - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = now;
    pruneDeliveries(state, now - options.retentionMs);
    pruneJournal(state, now - options.retentionMs);
  };

  return {
    targets,
    tickTarget,
    prune,
    async tick(now) {
      prune(now);
      await Promise.all(targets.map((t) => tickTarget(t, now)));
    },
  };
}

/**
 * One loop per target, each pass `everyMs` after the last, until `signal` fires: a receiver that
 * times out slows only its own deliveries. A failing pass is reported and the loop goes on.
 */
export async function runNotifier(notifier: Notifier, options: { everyMs: number; signal: AbortSignal; now?: () => number; onError: (error: unknown) => void }): Promise<void> {
  const now = options.now ?? Date.now;
  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, options.everyMs);
      function done() {
        clearTimeout(timer);
        options.signal.removeEventListener("abort", done);
        resolve();
      }
      options.signal.addEventListener("abort", done, { once: true });
    });
  const loop = async (pass: () => Promise<void> | void) => {
    while (!options.signal.aborted) {
      try {
        await pass();
      } catch (error) {
        options.onError(error);
      }
      await pause();
    }
  };
  await Promise.all([loop(() => notifier.prune(now())), ...notifier.targets.map((t) => loop(() => notifier.tickTarget(t, now())))]);
}
