// A message rendered into its target's wire format. The formats are pure: the same message gives
// the same bytes (signatures included).
import { alertmanagerRequest } from "./alertmanager.ts";
import type { OutgoingRequest } from "./http-post.ts";
import type { Message } from "./message.ts";
import { pagerdutyRequest } from "./pagerduty.ts";
import { slackRequest } from "./slack.ts";
import type { NotifyTarget } from "./target.ts";
import { webhookRequest } from "./webhook.ts";

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
