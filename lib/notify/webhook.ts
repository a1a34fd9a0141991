// The signed webhook: one JSON document per transition, `{type, incident, tickets, diagnosis,
// actions, console_url, sent_at}`, signed `X-Operator-Signature: sha256=<hex>` (HMAC-SHA256 of the
// exact body with OPERATOR_NOTIFY_SECRET) so a receiver can tell it came from us. Receivers dedupe
// on `incident.key` plus `transition_id`.
import { createHmac } from "node:crypto";
import type { OutgoingRequest } from "./http-post.ts";
import type { Message } from "./message.ts";
import type { NotifyTarget } from "./target.ts";
import { consoleLink } from "./transition.ts";

export const SIGNATURE_HEADER = "X-Operator-Signature";

/** A first message that folded early updates is still the incident's opening. */
const TYPES: Record<Message["event"], string> = { open: "incident_opened", update: "incident_updated", resolve: "incident_resolved", test: "test" };

export const signature = (secret: string, body: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

export function webhookRequest(target: NotifyTarget, message: Message): OutgoingRequest {
  const { incident } = message;
  const { tickets, diagnosis, actions, ...rest } = incident;
  const body = JSON.stringify({
    type: TYPES[message.event],
    transition_id: message.transition?.journalId ?? null,
    incident: { ...rest, key: message.key },
    tickets,
    diagnosis,
    actions,
    console_url: consoleLink(message.consoleUrl, incident.id) ?? null,
    sent_at: new Date(message.now).toISOString(),
  });
  return signed(target, body);
}

/** The watchdog of webhook receivers: one beat per re-send interval while the monitor runs. */
export function heartbeatRequest(target: NotifyTarget, installId: string, now: number): OutgoingRequest {
  return signed(target, JSON.stringify({ type: "heartbeat", operator: installId, sent_at: new Date(now).toISOString() }));
}

function signed(target: NotifyTarget, body: string): OutgoingRequest {
  const headers: Record<string, string> = target.authorization ? { authorization: target.authorization } : {};
  if (target.signingSecret) headers[SIGNATURE_HEADER] = signature(target.signingSecret, body);
  return { url: target.endpoint, headers, body };
}
