import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { snapshot, withCause } from "../../test/fixtures/incident-journal.ts";
import { alertLabels } from "./alertmanager.ts";
import type { Message } from "./message.ts";
import { requestFor } from "./wire-format.ts";
import { parseTarget } from "./target.ts";
import type { IncidentSnapshot } from "./transition.ts";

const secrets = { pagerdutyRoutingKey: "R0UT1NGK3Y0123456789abcdefABCDEF", notifySecret: "s3cret" };
const NOW = Date.parse("2026-12-01T10:00:30.000Z");

function message(incident: IncidentSnapshot, event: Message["event"] = "open"): Message {
  const key = `op-0123456789ab-${incident.id}`;
  return { event, incident, transition: { journalId: 7, type: "incident_opened" }, key, consoleUrl: "http://console.test:8090/", labels: alertLabels(incident, key), startsAt: Date.parse(incident.opened_at), now: NOW };
}

/** The slow link that over-admits on many keys: one incident listing them all. */
const wide = (count: number): IncidentSnapshot => ({
  ...withCause(snapshot(4), "node:b", "network_partition", "node b lost Redis and admits from its local share"),
  tickets: Array.from({ length: count }, (_, i) => ({ id: i + 1, invariant: "over_admission", resource: `key:tenant-${i}`, severity: "critical" as const, status: "open", opened_at: "2026-12-01T10:00:00.000Z", resolved_at: null })),
  actions: Array.from({ length: count }, (_, i) => ({ id: i + 1, name: "reset_counter", params: { key: `tenant-${i}` }, risk: "low", status: "proposed" })),
});

describe("wire formats", () => {
  test("Slack: an incident with 2000 tickets still fits Slack's limits, its lists ending in how many more", () => {
    const body = JSON.parse(requestFor(parseTarget("slack+https://hooks.slack.com/services/T0/B0/XXXXXXXXXXXXXXXXXXXXXXXX"), message(wide(2_000))).body);
    expect(body.blocks.length).toBeLessThanOrEqual(50);
    expect(body.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: expect.stringMatching(/^:rotating_light: Incident opened: critical incident #4 on shop: network_partition on node:b$/), emoji: true } });
    const sections = body.blocks.filter((b: any) => b.type === "section").map((b: any) => b.text.text as string);
    expect(sections.every((t: string) => t.length <= 3_000)).toBe(true);
    expect(sections[1]).toStartWith("*Tickets (2000)*\n#1 over_admission on key:tenant-0 (critical, open)\n");
    expect(sections[1]).toMatch(/\n… and \d+ more$/);
    expect(body.blocks.find((b: any) => b.type === "actions").elements[0]).toEqual({ type: "button", text: { type: "plain_text", text: "Open in the operator console" }, url: "http://console.test:8090/#/incidents/4" });
    expect(body.text.length).toBeLessThanOrEqual(3_000);
  });

  test("PagerDuty: trigger with the key as dedup_key and a summary within 1024 characters; resolve names only the key", () => {
    const target = parseTarget("pagerduty+https://events.pagerduty.com/v2/enqueue", secrets);
    const trigger = JSON.parse(requestFor(target, message(wide(2_000))).body);
    expect(trigger).toMatchObject({ routing_key: secrets.pagerdutyRoutingKey, event_action: "trigger", dedup_key: "op-0123456789ab-4", payload: { source: "shop", severity: "critical", component: "node:b", class: "network_partition" } });
    expect(trigger.payload.summary.length).toBeLessThanOrEqual(1_024);
    expect(JSON.parse(requestFor(target, message(wide(1), "resolve")).body)).toEqual({ routing_key: secrets.pagerdutyRoutingKey, dedup_key: "op-0123456789ab-4", event_action: "resolve" });
  });

  test("webhook: the body's HMAC-SHA256 is the signature header", () => {
    const request = requestFor(parseTarget("webhook+https://hooks.example.com/operator", secrets), message(snapshot(2)));
    expect(request.headers["X-Operator-Signature"]).toBe(`sha256=${createHmac("sha256", "s3cret").update(request.body).digest("hex")}`);
    const body = JSON.parse(request.body);
    expect(Object.keys(body)).toEqual(["type", "transition_id", "incident", "tickets", "diagnosis", "actions", "console_url", "sent_at"]);
    expect(body.incident.key).toBe("op-0123456789ab-2");
    expect(requestFor(parseTarget("webhook+https://hooks.example.com/operator"), message(snapshot(2))).headers).toEqual({});
  });

  test("Alertmanager: the labels given at the first send, firing four re-sends ahead, ended at once on resolve", () => {
    const target = parseTarget("alertmanager+http://127.0.0.1:9093");
    const first = message(snapshot(3));
    const later = { ...message(withCause(snapshot(3, { severity: "warning" }), "node:c", "process_down")), labels: first.labels };
    const [firing] = JSON.parse(requestFor(target, later).body);
    expect(requestFor(target, later).url).toBe("http://127.0.0.1:9093/api/v2/alerts");
    expect(firing.labels).toEqual({ alertname: "worker_down", subject: "shop", resource: "worker:w3", severity: "critical", incident: "op-0123456789ab-3" });
    expect(firing.annotations.root_cause).toBe("process_down on node:c");
    expect([firing.startsAt, firing.endsAt]).toEqual(["2026-12-01T10:00:00.000Z", "2026-12-01T10:04:30.000Z"]);
    const [resolved] = JSON.parse(requestFor(target, { ...later, event: "resolve" }).body);
    expect(resolved.endsAt).toBe("2026-12-01T10:00:30.000Z");
  });
});
