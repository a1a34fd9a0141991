import { describe, expect, test } from "bun:test";
import { resolvedSnapshot, snapshot, transition, withCause } from "../../test/fixtures/incident-journal.ts";
import { afterAttempt, decide, GIVE_UP_AFTER_MS, retryDelayMs, type PlanInput } from "./plan.ts";

const GROUP_WAIT = 10_000;
const input = (over: Partial<PlanInput> & Pick<PlanInput, "pending">): PlanInput => ({ kind: "webhook", minSeverity: "info", announced: false, groupWaitMs: GROUP_WAIT, now: 0, ...over });

describe("what a target sends next", () => {
  test("a first message waits the group wait, then tells the incident as it stands, folding early updates into it", () => {
    const opened = transition("incident_opened", snapshot(1), 1_000);
    const caused = transition("incident_updated", withCause(snapshot(1), "node:b", "network_partition"), 4_000, ["root_cause", "diagnosis"]);
    const later = transition("incident_updated", withCause(snapshot(1), "node:b", "network_partition", "reworded"), 30_000, ["diagnosis"]);
    expect(decide(input({ pending: [opened, caused, later], now: 5_000 }))).toEqual({ kind: "wait", until: 11_000 });
    expect(decide(input({ pending: [opened, caused, later], now: 11_000 }))).toEqual({
      kind: "send", event: "open", incident: caused.incident, transition: caused, journalIds: [opened.journalId, caused.journalId],
    });
  });

  test("an incident merged into another within the group wait never pages", () => {
    const opened = transition("incident_opened", snapshot(2), 1_000);
    const merged = transition("incident_resolved", resolvedSnapshot(snapshot(2), 1), 3_000);
    expect(decide(input({ pending: [opened, merged], now: 11_000 }))).toEqual({
      kind: "skip", journalIds: [opened.journalId, merged.journalId], why: "merged into incident #1 within the group wait",
    });
  });

  test("an incident that opens and resolves within the group wait is two messages, open then resolve", () => {
    const opened = transition("incident_opened", snapshot(3), 1_000);
    const resolved = transition("incident_resolved", resolvedSnapshot(snapshot(3)), 5_000);
    const first = decide(input({ pending: [opened, resolved], now: 11_000 }));
    expect(first).toMatchObject({ kind: "send", event: "open", journalIds: [opened.journalId] });
    expect(decide(input({ pending: [resolved], announced: true, now: 11_000 }))).toMatchObject({ kind: "send", event: "resolve", journalIds: [resolved.journalId] });
  });

  test("Slack hears of a new cause or new actions, never of a reworded diagnosis; webhooks hear of every change", () => {
    const reworded = transition("incident_updated", snapshot(4), 1_000, ["diagnosis"]);
    const actions = transition("incident_updated", snapshot(4), 1_000, ["actions"]);
    const announced = { announced: true, now: 2_000 };
    expect(decide(input({ kind: "slack", pending: [reworded], ...announced }))).toEqual({ kind: "skip", journalIds: [reworded.journalId], why: "slack is not told of a change to diagnosis" });
    expect(decide(input({ kind: "slack", pending: [actions], ...announced }))).toMatchObject({ kind: "send", event: "update" });
    expect(decide(input({ kind: "webhook", pending: [reworded], ...announced }))).toMatchObject({ kind: "send", event: "update" });
  });

  test("below min_severity nothing is sent; an escalation past it is the first message; the resolve follows", () => {
    const warning = snapshot(5, { severity: "warning" });
    const opened = transition("incident_opened", warning, 1_000);
    expect(decide(input({ kind: "pagerduty", minSeverity: "critical", pending: [opened], now: 20_000 }))).toEqual({
      kind: "skip", journalIds: [opened.journalId], why: "severity warning is below min_severity critical",
    });
    const escalated = transition("incident_updated", snapshot(5), 30_000, ["severity", "tickets"]);
    expect(decide(input({ kind: "pagerduty", minSeverity: "critical", pending: [escalated], now: 40_000 }))).toMatchObject({ kind: "send", event: "open" });
    const quiet = transition("incident_resolved", resolvedSnapshot(warning), 50_000);
    expect(decide(input({ kind: "pagerduty", minSeverity: "critical", pending: [quiet], now: 50_000 }))).toMatchObject({ kind: "skip" });
  });

  test("a resolve is sent once the incident's first message was given up (the thread is announced)", () => {
    const resolved = transition("incident_resolved", resolvedSnapshot(snapshot(6)), 1_000);
    expect(decide(input({ kind: "pagerduty", minSeverity: "critical", pending: [resolved], announced: true, now: 1_000 }))).toMatchObject({ kind: "send", event: "resolve" });
  });
});

describe("retries", () => {
  test("connection errors, 429 and 5xx are retried with a doubling delay; other 4xx are not", () => {
    const failed = { ok: false as const, retryable: true, error: "HTTP 500" };
    expect([1, 2, 3, 4, 10, 20].map(retryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 300_000, 300_000]);
    expect(afterAttempt(failed, { attempts: 0, dueAt: 0 }, 500)).toEqual({ status: "pending", nextAttemptAt: 1_500, error: "HTTP 500" });
    expect(afterAttempt({ ok: false, retryable: false, error: "HTTP 400: invalid routing key" }, { attempts: 0, dueAt: 0 }, 0)).toEqual({
      status: "failed", error: "not retried: HTTP 400: invalid routing key",
    });
    expect(afterAttempt({ ok: true }, { attempts: 3, dueAt: 0 }, 0)).toEqual({ status: "sent" });
  });

  test("after an hour of failures the message is given up, and the error says so", () => {
    const failed = { ok: false as const, retryable: true, error: "connection failed: ECONNREFUSED" };
    expect(afterAttempt(failed, { attempts: 15, dueAt: 0 }, GIVE_UP_AFTER_MS - 1)).toMatchObject({ status: "pending" });
    expect(afterAttempt(failed, { attempts: 15, dueAt: 0 }, GIVE_UP_AFTER_MS)).toEqual({ status: "failed", error: "gave up after 16 attempts over 60 min: connection failed: ECONNREFUSED" });
  });
});
