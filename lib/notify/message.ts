// One message to one target: what the notifier decided to say. wire-format.ts renders it into the
// target's wire format.
import type { MessageEvent } from "./plan.ts";
import type { IncidentSnapshot, TransitionType } from "./transition.ts";

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
