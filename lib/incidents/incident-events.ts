// The monitor's incident events, read from the journal: whatever moved an incident (this monitor's
// cycle, its diagnosis, a person's `tickets resolve`), the stream shows it once, in journal order.
import type { EmitEvent } from "../monitor/monitor-stage.ts";
import type { IncidentSnapshot } from "./incidents.ts";
import { lastJournalId, readJournal } from "../state/journal.ts";
import type { State } from "../state/state.ts";

export const INCIDENT_EVENTS = ["incident_opened", "incident_updated", "incident_resolved"] as const;

const PAGE = 500;

/** One line for the terminal. */
export function incidentLine(type: string, incident: IncidentSnapshot, changed: string[] | undefined): string {
  const verb = type === "incident_opened" ? "opened" : type === "incident_resolved" ? (incident.merged_into !== null ? `merged into #${incident.merged_into}` : "resolved") : `updated (${(changed ?? []).join(", ")})`;
  const cause = incident.root_cause ? `${incident.root_cause.component} (${incident.root_cause.fault_class})` : incident.diagnosis ? "no cause found that explains it" : "cause not yet diagnosed";
  const open = incident.tickets.filter((t) => t.status === "open").length;
  return `incident #${incident.id} ${verb}: ${cause}, ${incident.severity}, ${open} open of ${incident.tickets.length} ticket(s)`;
}

/** Emits the incident entries of `subject` journaled since the last call (the first call: since creation). */
export function incidentFeed(state: State, subject: string): (emit: EmitEvent) => void {
  let cursor = lastJournalId(state);
  return (emit) => {
    for (;;) {
      const entries = readJournal(state, { afterId: cursor, limit: PAGE, types: INCIDENT_EVENTS });
      for (const entry of entries) {
        cursor = entry.id;
        if (entry.subject !== subject) continue;
        const incident = entry.payload.incident as IncidentSnapshot;
        const changed = entry.payload.changed as string[] | undefined;
        emit(entry.type, { incident, ...(changed ? { changed } : {}) }, incidentLine(entry.type, incident, changed));
      }
      if (entries.length < PAGE) return;
    }
  };
}
