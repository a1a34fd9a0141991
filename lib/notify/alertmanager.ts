// Alertmanager's API v2 (`POST /api/v2/alerts`, a JSON array of postable alerts): one alert per
// incident whose labels never change (Alertmanager reads a new label set as a new alert), the
// changing words in annotations, re-sent while open, and `endsAt` in the past once it resolved.
// The always-firing watchdog alert lets a dead monitor be noticed by its silence.
import type { Message } from "./message.ts";
import type { OutgoingRequest } from "./http-post.ts";
import type { NotifyTarget } from "./target.ts";
import { causeText, consoleLink, fitLines, summaryText, ticketLine, ticketsInOrder, type IncidentSnapshot } from "./transition.ts";

/** How often a firing alert (and the watchdog) is sent again, as Prometheus' default resend delay. */
export const RESEND_INTERVAL_MS = 60_000;

/**
 * A firing alert says it ends four re-sends from now, as Prometheus does: Alertmanager's own
 * `resolve_timeout` never decides, three lost re-sends in a row do not resolve it, and an alert
 * whose monitor died resolves by itself within minutes.
 */
export const FIRING_VALID_MS = 4 * RESEND_INTERVAL_MS;

export const WATCHDOG_ALERTNAME = "OperatorWatchdog";

/** The label set, computed once at an incident's first message and kept for its life. */
export function alertLabels(incident: IncidentSnapshot, key: string): Record<string, string> {
  const first = ticketsInOrder(incident)[0];
  return {
    alertname: first?.invariant ?? "OperatorIncident",
    subject: incident.subject,
    resource: first?.resource ?? incident.root_cause?.component ?? "unknown",
    severity: incident.severity,
    incident: key,
  };
}

export function alertmanagerRequest(target: NotifyTarget, message: Message): OutgoingRequest {
  const { incident } = message;
  const link = consoleLink(message.consoleUrl, incident.id);
  const resolved = message.event === "resolve";
  // A test alert fires for one minute: long enough to see it routed, short enough to forget.
  const firingFor = message.event === "test" ? RESEND_INTERVAL_MS : FIRING_VALID_MS;
  const alert = {
    labels: message.labels,
    annotations: {
      summary: summaryText(incident),
      root_cause: causeText(incident),
      tickets: fitLines(ticketsInOrder(incident).map(ticketLine), 4_000, "; "),
      ...(incident.merged_into !== null ? { merged_into: String(incident.merged_into) } : {}),
      ...(link ? { console_url: link } : {}),
    },
    startsAt: new Date(message.startsAt).toISOString(),
    endsAt: new Date(resolved ? Math.max(message.now, message.startsAt) : message.now + firingFor).toISOString(),
    ...(link ? { generatorURL: link } : {}),
  };
  return alertsRequest(target, [alert]);
}

export function watchdogRequest(target: NotifyTarget, installId: string, now: number, startedAt: number): OutgoingRequest {
  return alertsRequest(target, [
    {
      labels: { alertname: WATCHDOG_ALERTNAME, severity: "none", operator: installId },
      annotations: {
        summary: "The operator's monitor is running and can reach Alertmanager. This alert always fires; route it to a dead man's switch, which pages when it stops.",
      },
      startsAt: new Date(startedAt).toISOString(),
      endsAt: new Date(now + FIRING_VALID_MS).toISOString(),
    },
  ]);
}

function alertsRequest(target: NotifyTarget, alerts: unknown[]): OutgoingRequest {
  return {
    url: new URL("api/v2/alerts", target.endpoint.endsWith("/") ? target.endpoint : `${target.endpoint}/`).toString(),
    headers: target.authorization ? { authorization: target.authorization } : {},
    body: JSON.stringify(alerts),
  };
}
