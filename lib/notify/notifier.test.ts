import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { journalTransition, resolvedSnapshot, snapshot, withCause } from "../../test/fixtures/incident-journal.ts";
import { NOTIFY_SECRET, receiverTargets, ROUTING_KEY, SLACK_PATH, startReceiver, type Received } from "../../test/fixtures/notify-receiver.ts";
import { workerDown } from "../../test/fixtures/shop-subject.ts";
import { tempStates } from "../../test/fixtures/temp-state.ts";
import { listIncidents } from "../incidents/incidents.ts";
import { advanceTickets, type KeyState } from "../monitor/monitor-cycle.ts";
import type { State } from "../state/state.ts";
import { createNotifier, type Notifier } from "./notifier.ts";
import { Registry } from "prom-client";
import { registerNotificationMetrics } from "./metrics.ts";
import { listDeliveries } from "./outbox.ts";
import { parseTarget } from "./target.ts";

setDefaultTimeout(60_000);

const freshState = tempStates("operator-notify-");

const T0 = Date.parse("2026-12-01T10:00:00.000Z");
const GROUP_WAIT_MS = 10_000;

function notifierFor(state: State, urls: string[], reports: Record<string, unknown>[] = []): Notifier {
  const targets = urls.map((u) => parseTarget(u, { pagerdutyRoutingKey: ROUTING_KEY, notifySecret: NOTIFY_SECRET }));
  return createNotifier({ state, targets, consoleUrl: "http://127.0.0.1:8090", groupWaitMs: GROUP_WAIT_MS, retentionMs: 30 * 86_400_000, report: (data) => reports.push(data) });
}

async function runUntil(notifier: Notifier, from: number, to: number, stepMs = 1_000) {
  for (let now = from; now <= to; now += stepMs) await notifier.tick(now);
}

/** What each message said, per kind and incident: `open`, `update`, `resolve` in the receiver's words. */
function story(received: Received[]) {
  const out: Record<string, string[]> = {};
  for (const r of received) {
    const [incident, word] =
      r.kind === "slack" ? [r.body.blocks.at(-1).elements[0].text.split("-").at(-1), r.body.blocks[0].text.text.split(":")[2].trim().split(" ")[1]]
      : r.kind === "pagerduty" ? [r.body.dedup_key.split("-").at(-1), r.body.event_action]
      : [String(r.body.incident.id), r.body.type];
    (out[`${r.kind} #${incident}`] ??= []).push(word);
  }
  return out;
}

describe("the notifier", () => {
  test("every transition reaches Slack, PagerDuty and the signed webhook in order per incident, through three 500s", async () => {
    await using receiver = startReceiver();
    const state = freshState();
    const notifier = notifierFor(state, receiverTargets(receiver));
    await notifier.tick(T0 - 1_000);
    const one = snapshot(1);
    const two = snapshot(2, { severity: "critical" });
    journalTransition(state, "incident_opened", one, T0);
    journalTransition(state, "incident_opened", two, T0 + 1_000);
    journalTransition(state, "incident_updated", withCause(one, "node:b", "network_partition"), T0 + 20_000, ["root_cause", "diagnosis", "actions"]);
    journalTransition(state, "incident_updated", withCause(one, "node:b", "network_partition", "reworded only"), T0 + 25_000, ["diagnosis"]);
    journalTransition(state, "incident_resolved", resolvedSnapshot(two), T0 + 30_000);
    journalTransition(state, "incident_resolved", resolvedSnapshot(withCause(one, "node:b", "network_partition")), T0 + 40_000);
    receiver.failNext(3);

    await runUntil(notifier, T0, T0 + 90_000);

    expect(receiver.invalid).toEqual([]);
    expect(story(receiver.received)).toEqual({
      "slack #1": ["opened", "updated", "resolved"],
      "slack #2": ["opened", "resolved"],
      "pagerduty #1": ["trigger", "trigger", "resolve"],
      "pagerduty #2": ["trigger", "resolve"],
      "webhook #1": ["incident_opened", "incident_updated", "incident_updated", "incident_resolved"],
      "webhook #2": ["incident_opened", "incident_resolved"],
    });
    const keys = new Set(receiver.received.filter((r) => r.kind === "pagerduty").map((r) => r.body.dedup_key));
    expect([...keys].every((k) => /^op-[0-9a-f]{12}-[12]$/.test(k))).toBe(true);
    expect(listDeliveries(state, { status: "pending", limit: 100 })).toEqual([]);
    expect(listDeliveries(state, { status: "failed", limit: 100 })).toEqual([]);
    const slack = `slack+${receiver.url}/services/T0000/B0000/[REDACTED]`;
    const registry = new Registry();
    registerNotificationMetrics(registry, state);
    expect((await registry.metrics()).split("\n").filter((l) => l.includes(slack))).toEqual([
      `operator_notifications{target="${slack}",kind="slack",status="pending"} 0`,
      `operator_notifications{target="${slack}",kind="slack",status="sent"} 5`,
      `operator_notifications{target="${slack}",kind="slack",status="failed"} 0`,
      `operator_notifications{target="${slack}",kind="slack",status="skipped"} 1`,
    ]);
  });

  test("a ticket that blinks every 2 s for 2 minutes is at most 2 messages per target", async () => {
    await using receiver = startReceiver();
    const state = freshState();
    const notifier = notifierFor(state, receiverTargets(receiver));
    await notifier.tick(T0 - 1_000);
    // The monitor's own ticket and incident store, stepped every 2 s: a 10 s grace, as a worker_down
    // that blinks needs; it clears only after 10 s away, so the blinking is one ticket, one incident.
    const policy = { graceScale: 1, intervalMs: 2_000, once: false, graceOf: () => 10_000 };
    let keys = new Map<string, KeyState>();
    for (let now = T0; now <= T0 + 180_000; now += 1_000) {
      if ((now - T0) % 2_000 === 0) {
        const present = now - T0 < 120_000 && ((now - T0) / 2_000) % 2 === 0 ? [workerDown("w7")] : [];
        keys = advanceTickets(state, { subject: "shop", now, present, stepped: () => true, keys, policy }).keys;
      }
      await notifier.tick(now);
    }
    const [incident] = listIncidents(state, {});
    expect(incident).toMatchObject({ status: "resolved" });
    expect(story(receiver.received)).toEqual({
      [`slack #${incident!.id}`]: ["opened", "resolved"],
      [`pagerduty #${incident!.id}`]: ["trigger", "resolve"],
      [`webhook #${incident!.id}`]: ["incident_opened", "incident_resolved"],
    });
  });

  test("a first message given up after an hour says so, and the resolve is still sent", async () => {
    await using receiver = startReceiver();
    const state = freshState();
    const [pagerduty] = receiverTargets(receiver).filter((u) => u.startsWith("pagerduty"));
    const notifier = notifierFor(state, [pagerduty!]);
    await notifier.tick(T0 - 1_000);
    journalTransition(state, "incident_opened", snapshot(3), T0);
    receiver.failNext(1_000, 503);
    await runUntil(notifier, T0, T0 + 3_700_000, 30_000);
    receiver.failNext(0);
    journalTransition(state, "incident_resolved", resolvedSnapshot(snapshot(3)), T0 + 3_700_000);
    await runUntil(notifier, T0 + 3_700_000, T0 + 3_702_000);

    const [failed] = listDeliveries(state, { status: "failed", limit: 10 });
    expect(failed?.lastError).toMatch(/^gave up after \d+ attempts over 60 min: HTTP 503: failing on purpose$/);
    expect(story(receiver.received)).toEqual({ "pagerduty #3": ["resolve"] });
  });

  test("a target added later hears of the incidents still open, not of old history", async () => {
    await using receiver = startReceiver();
    const state = freshState();
    journalTransition(state, "incident_opened", snapshot(4), T0);
    journalTransition(state, "incident_resolved", resolvedSnapshot(snapshot(4)), T0 + 5_000);
    journalTransition(state, "incident_opened", snapshot(5), T0 + 6_000);
    journalTransition(state, "incident_updated", withCause(snapshot(5), "worker:w5", "crash"), T0 + 7_000, ["root_cause"]);
    const [webhook] = receiverTargets(receiver).filter((u) => u.startsWith("webhook"));
    await runUntil(notifierFor(state, [webhook!]), T0 + 60_000, T0 + 62_000);
    expect(story(receiver.received)).toEqual({ "webhook #5": ["incident_opened"] });
    expect(receiver.received[0]!.body.incident.root_cause).toEqual({ component: "worker:w5", fault_class: "crash", summary: "crash on worker:w5" });
  });

  test("Slack's webhook token and the routing key never show in events or the delivery records", async () => {
    await using receiver = startReceiver();
    const state = freshState();
    const reports: Record<string, unknown>[] = [];
    const notifier = notifierFor(state, receiverTargets(receiver), reports);
    await notifier.tick(T0 - 1_000);
    journalTransition(state, "incident_opened", snapshot(6), T0);
    receiver.failNext(3, 500);
    await runUntil(notifier, T0, T0 + 30_000);
    const shown = JSON.stringify([reports, listDeliveries(state, { limit: 100 })]);
    expect(reports.some((r) => r.status === "retrying")).toBe(true);
    expect(shown).toContain("/services/T0000/B0000/[REDACTED]");
    expect(shown).not.toContain(SLACK_PATH.split("/").at(-1)!);
    expect(shown).not.toContain(ROUTING_KEY);
  });
});
