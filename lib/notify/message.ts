// One message to one target: what the notifier decided to say, rendered into that target's wire
// format. The formats are pure: the same message gives the same bytes (signatures included).
import { alertmanagerRequest } from "./alertmanager.ts";
import type { OutgoingRequest } from "./http-post.ts";
import { pagerdutyRequest } from "./pagerduty.ts";
import type { MessageEvent } from "./plan.ts";
import { slackRequest } from "./slack.ts";
import type { NotifyTarget } from "./target.ts";
import type { IncidentSnapshot, TransitionType } from "./transition.ts";
import { webhookRequest } from "./webhook.ts";

export interface Message {
  /** `test` is `operator notify test`'s message, about a made-up incident. */
  event: MessageEvent | "test";
  incident: IncidentSnapshot;
  /** The transition it reports (webhooks name it); undefined for tests and re-sends. */
  transition: { journalId: number; type: TransitionType } | undefined;
  /** The incident key receivers dedupe on. */
  key: string;
  consoleUrl: string | undefined;
  /** Alertmanager's label set, fixed at the incident's first message. */
  labels: Record<string, string>;
  /** When the incident started for this target (ms): Alertmanager's `startsAt`. */
  startsAt: number;
  now: number;
}

export function requestFor(target: NotifyTarget, message: Message): OutgoingRequest {
  switch (target.kind) {
    case "alertmanager":
      return alertmanagerRequest(target, message);
    case "slack":
      return slackRequest(target, message);
    case "pagerduty":
      return pagerdutyRequest(target, message);
    case "webhook":
      return webhookRequest(target, message);
  }
}
