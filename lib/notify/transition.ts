// An incident transition as notifications read it from the journal (the shared contract: an
// `incident_*` entry whose payload is `{incident: snapshot, changed}`), and the words every
// message format shares: the incident key, a title, the ticket lines, the console link.
import { INCIDENT_EVENTS } from "../incidents/incident-events.ts";
import type { IncidentSnapshot } from "../incidents/incidents.ts";
import type { JournalEntry } from "../state/journal.ts";

export type { IncidentSnapshot };

export const INCIDENT_TRANSITIONS = INCIDENT_EVENTS;
export type TransitionType = (typeof INCIDENT_EVENTS)[number];

export interface Transition {
  /** The journal entry's id: strictly increasing, so it orders transitions per incident. */
  journalId: number;
  /** ms since the epoch */
  at: number;
  type: TransitionType;
  incident: IncidentSnapshot;
  /** For `incident_updated`: among root_cause, actions, tickets, severity, diagnosis. */
  changed: string[];
}

export const isTransitionEntry = (entry: JournalEntry) =>
  (INCIDENT_TRANSITIONS as readonly string[]).includes(entry.type) && typeof entry.payload.incident === "object" && entry.payload.incident !== null;

export function transitionOf(entry: JournalEntry): Transition {
  return {
    journalId: entry.id,
    at: entry.at,
    type: entry.type as TransitionType,
    incident: entry.payload.incident as IncidentSnapshot,
    changed: Array.isArray(entry.payload.changed) ? (entry.payload.changed as string[]) : [],
  };
}

/**
 * The key receivers dedupe on: this state dir's id plus the incident id, so two operators on one
 * PagerDuty service, or a wiped state dir, never merge unrelated incidents.
 */
export const incidentKey = (installId: string, incidentId: number) => `op-${installId}-${incidentId}`;

/** Where a person reads the incident in `operator console`; undefined without `--console-url`. */
export const consoleLink = (consoleUrl: string | undefined, incidentId: number) =>
  consoleUrl ? `${consoleUrl.replace(/\/+$/, "")}/#/incidents/${incidentId}` : undefined;

/** Tickets in id order: the first is the one that opened the incident. */
export const ticketsInOrder = (incident: IncidentSnapshot) => [...incident.tickets].sort((a, b) => a.id - b.id);

export const causeText = (incident: IncidentSnapshot) =>
  incident.root_cause ? `${incident.root_cause.fault_class} on ${incident.root_cause.component}` : "cause not diagnosed yet";

/** One line that names the incident: `critical incident #4 on <subject>: <fault class> on <component>`. */
export function title(incident: IncidentSnapshot): string {
  const first = ticketsInOrder(incident)[0];
  const what = incident.root_cause ? causeText(incident) : first ? `${first.invariant} on ${first.resource}` : "no tickets";
  return `${incident.severity} incident #${incident.id} on ${incident.subject}: ${what}`;
}

export const summaryText = (incident: IncidentSnapshot) =>
  incident.root_cause?.summary || incident.diagnosis?.summary || title(incident);

export const ticketLine = (t: IncidentSnapshot["tickets"][number]) => `#${t.id} ${t.invariant} on ${t.resource} (${t.severity}, ${t.status})`;

/** Lines joined until `maxChars`, then `… and N more`: a list that always fits its field. */
export function fitLines(lines: readonly string[], maxChars: number, separator = "\n"): string {
  let out = "";
  for (let i = 0; i < lines.length; i++) {
    const more = lines.length - i - 1;
    const next = (out ? out + separator : "") + lines[i];
    const tail = more > 0 ? `${separator}… and ${more} more` : "";
    if (next.length + tail.length > maxChars) return `${out}${out ? separator : ""}… and ${lines.length - i} more`.slice(0, maxChars);
    out = next;
  }
  return out;
}

export const clip = (text: string, maxChars: number) => (text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`);
