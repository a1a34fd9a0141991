// `operator notify test URL`: one message about a made-up incident, to see that a target is
// reachable and what it answers, before an incident needs it.
import { postJson } from "./http-post.ts";
import type { Message } from "./message.ts";
import { requestFor } from "./wire-format.ts";
import { redactFor, type NotifyTarget } from "./target.ts";
import { incidentKey, type IncidentSnapshot } from "./transition.ts";

export interface TestOutcome {
  target: string;
  kind: string;
  ok: boolean;
  /** HTTP status, null when no answer came. */
  status: number | null;
  /** The start of the answer's body, secrets redacted. */
  reply: string;
  error: string | null;
}

export function testMessage(installId: string, now: number, consoleUrl: string | undefined): Message {
  const incident: IncidentSnapshot = {
    id: 0, subject: "operator", status: "open", severity: "info",
    root_cause: { component: "operator", fault_class: "test", summary: "A test message from operator notify test: this target is reachable. Nothing is wrong." },
    merged_into: null, tickets: [], diagnosis: null, actions: [], opened_at: new Date(now).toISOString(), resolved_at: null,
  };
  const key = `${incidentKey(installId, 0)}-test`;
  return {
    event: "test", incident, transition: undefined, key, consoleUrl, now, startsAt: now,
    labels: { alertname: "OperatorTest", subject: "operator", resource: "operator", severity: "info", incident: key },
  };
}

export async function sendTest(target: NotifyTarget, message: Message): Promise<TestOutcome> {
  const result = await postJson(requestFor(target, message));
  const redact = (text: string) => redactFor([target], text);
  return {
    target: target.display,
    kind: target.kind,
    ok: result.outcome.ok,
    status: result.status ?? null,
    reply: redact(result.reply),
    error: result.outcome.ok ? null : redact(result.outcome.error),
  };
}
