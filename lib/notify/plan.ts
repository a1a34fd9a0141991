// What a target sends next for one incident: pure decisions over the incident's pending
// transitions, whether the target has heard of the incident, and `now`. The outbox and the
// notifier wrap them with the database and the network.
import type { Severity } from "../subject/subject.ts";
import { isAtLeast, type TargetKind } from "./target.ts";
import type { IncidentSnapshot, Transition } from "./transition.ts";

/** What a message says: the incident's first message, a change worth telling, its end. */
export type MessageEvent = "open" | "update" | "resolve";

export type Decision =
  | { kind: "wait"; until: number }
  | { kind: "skip"; journalIds: number[]; why: string }
  /** One message that covers `journalIds` (the head, plus updates folded into a first message). */
  | { kind: "send"; event: MessageEvent; incident: IncidentSnapshot; transition: Transition; journalIds: number[] };

/**
 * The changes each kind tells a person about once the incident is announced. Slack is read by
 * people: only a new cause or new proposals (a reworded diagnosis is not news). PagerDuty keeps
 * one alert per key: a new cause or severity updates it. Alertmanager and webhooks are machines
 * that keep the latest state: every change.
 */
const TOLD: Record<TargetKind, readonly string[] | "all"> = {
  slack: ["root_cause", "actions"],
  pagerduty: ["root_cause", "severity"],
  alertmanager: "all",
  webhook: "all",
};

export interface PlanInput {
  kind: TargetKind;
  minSeverity: Severity;
  /** The incident's pending transitions for this target, oldest first. */
  pending: readonly Transition[];
  /** The target heard of this incident already (its first message was sent, or given up). */
  announced: boolean;
  groupWaitMs: number;
  now: number;
}

export function decide(input: PlanInput): Decision {
  const { pending, now } = input;
  const head = pending[0]!;
  if (input.announced) {
    if (head.type === "incident_resolved") return send("resolve", head, [head]);
    const told = TOLD[input.kind];
    if (told === "all" || head.changed.some((c) => told.includes(c))) return send("update", head, [head]);
    return { kind: "skip", journalIds: [head.journalId], why: `${input.kind} is not told of a change to ${head.changed.join(", ") || "nothing"}` };
  }
  if (head.type === "incident_resolved") {
    const why = head.incident.merged_into !== null ? `merged into incident #${head.incident.merged_into} before its first message` : "resolved before this target heard of it";
    return { kind: "skip", journalIds: [head.journalId], why };
  }
  if (!isAtLeast(head.incident.severity, input.minSeverity)) {
    return { kind: "skip", journalIds: [head.journalId], why: `severity ${head.incident.severity} is below min_severity ${input.minSeverity}` };
  }
  // The first message waits the group wait, then tells the incident as it stands by then: tickets
  // that merged early, a root cause found at once, are one message, not three.
  const windowEnd = head.at + input.groupWaitMs;
  if (now < windowEnd) return { kind: "wait", until: windowEnd };
  const window = pending.filter((t) => t.at <= windowEnd);
  const resolvedAt = window.findIndex((t) => t.type === "incident_resolved");
  if (resolvedAt >= 0 && window[resolvedAt]!.incident.merged_into !== null) {
    const merged = window[resolvedAt]!;
    return { kind: "skip", journalIds: window.slice(0, resolvedAt + 1).map((t) => t.journalId), why: `merged into incident #${merged.incident.merged_into} within the group wait` };
  }
  const covered = resolvedAt >= 0 ? window.slice(0, resolvedAt) : window;
  return send("open", covered.at(-1)!, covered);
}

const send = (event: MessageEvent, shown: Transition, covered: readonly Transition[]): Decision => ({
  kind: "send",
  event,
  incident: shown.incident,
  transition: shown,
  journalIds: covered.map((t) => t.journalId),
});

/** First retry after 1 s, doubling, at most 5 min apart: a receiver back in seconds hears at once. */
export const retryDelayMs = (attempts: number) => Math.min(1_000 * 2 ** Math.max(0, attempts - 1), 300_000);

/**
 * How long a message is retried before it is given up (and the failure says so). A page that is
 * an hour late is history rather than news; the incident's later transitions, its resolve
 * included, are still sent, each with its own hour.
 */
export const GIVE_UP_AFTER_MS = 3_600_000;

export type AttemptOutcome = { ok: true } | { ok: false; retryable: boolean; error: string };

/** The row after one attempt: sent, retried at `nextAttemptAt`, or failed for good. */
export function afterAttempt(outcome: AttemptOutcome, row: { attempts: number; dueAt: number }, now: number):
  | { status: "sent" }
  | { status: "pending"; nextAttemptAt: number; error: string }
  | { status: "failed"; error: string } {
  if (outcome.ok) return { status: "sent" };
  const attempts = row.attempts + 1;
  if (!outcome.retryable) return { status: "failed", error: `not retried: ${outcome.error}` };
  if (now - row.dueAt >= GIVE_UP_AFTER_MS) {
    return { status: "failed", error: `gave up after ${attempts} attempts over ${Math.round((now - row.dueAt) / 60_000)} min: ${outcome.error}` };
  }
  // The last attempt falls on the bound itself, not up to one delay past it.
  return { status: "pending", nextAttemptAt: Math.min(now + retryDelayMs(attempts), row.dueAt + GIVE_UP_AFTER_MS), error: outcome.error };
}
