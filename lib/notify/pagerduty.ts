// PagerDuty Events API v2 (`POST /v2/enqueue`): `trigger` with the incident key as `dedup_key`
// (so every later trigger updates the same alert) and `resolve` with the same key.
import type { OutgoingRequest } from "./http-post.ts";
import type { Message } from "./message.ts";
import type { NotifyTarget } from "./target.ts";
import { causeText, clip, consoleLink, summaryText, ticketLine, ticketsInOrder, title } from "./transition.ts";

/** Events v2 knows critical, error, warning and info; ours map one to one. */
const SEVERITY = { info: "info", warning: "warning", critical: "critical" } as const;

export function pagerdutyRequest(target: NotifyTarget, message: Message): OutgoingRequest {
  const { incident } = message;
  const link = consoleLink(message.consoleUrl, incident.id);
  const base = { routing_key: target.routingKey, dedup_key: message.key };
  const event =
    message.event === "resolve"
      ? { ...base, event_action: "resolve" }
      : {
          ...base,
          event_action: "trigger",
          payload: {
            summary: clip(`${title(incident)}: ${summaryText(incident)}`, 1_024),
            source: incident.subject,
            severity: SEVERITY[incident.severity],
            timestamp: incident.opened_at,
            component: incident.root_cause?.component ?? ticketsInOrder(incident)[0]?.resource,
            group: incident.subject,
            class: incident.root_cause?.fault_class,
            custom_details: {
              incident_key: message.key,
              root_cause: causeText(incident),
              tickets: ticketsInOrder(incident).slice(0, 50).map(ticketLine),
              actions: incident.actions.map((a) => `#${a.id} ${a.name} (${a.risk} risk, ${a.status})`),
              ...(message.event === "test" ? { test: true } : {}),
            },
          },
          client: "operator",
          ...(link ? { client_url: link, links: [{ href: link, text: "Incident in the operator console" }] } : {}),
        };
  return { url: target.endpoint, headers: {}, body: JSON.stringify(event) };
}
