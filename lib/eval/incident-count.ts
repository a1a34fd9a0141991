// How many incidents a run ended with, read from its journal: every incident opened, less those
// merged into another (`incident_resolved` with `merged_into`). One cause, one incident: a run is
// right when it has exactly one incident per injected fault; fewer is a wrong merge, more a split.
import { readJournal, type JournalEntry } from "../state/journal.ts";
import type { State } from "../state/state.ts";

export const INCIDENT_ENTRY_TYPES = ["incident_opened", "incident_resolved"] as const;

export interface IncidentCount {
  /** Distinct incidents left once merges are taken out. */
  count: number;
  /** What the run should end with: one per injected fault the operator must see (0 for a control or an expected silence). */
  expected: number;
  /** Faults whose tickets ended in another fault's incident. */
  merges: number;
  /** Incidents beyond one per fault (one cause paged more than once). */
  splits: number;
}

const mergedInto = (e: JournalEntry) => (e.payload.incident as { merged_into?: number | null } | undefined)?.merged_into ?? null;

/**
 * The incidents of a run from its journal entries; null when tickets opened and no incident was
 * journalled (a build that does not group tickets into incidents: nothing to score).
 */
export function countIncidents(entries: JournalEntry[], expected: number, ticketsOpened: number): IncidentCount | null {
  const opened = new Set(entries.filter((e) => e.type === "incident_opened" && e.incidentId !== undefined).map((e) => e.incidentId!));
  if (opened.size === 0 && ticketsOpened > 0) return null;
  const merged = new Set(entries.filter((e) => e.type === "incident_resolved" && e.incidentId !== undefined && mergedInto(e) !== null).map((e) => e.incidentId!));
  const count = [...opened].filter((id) => !merged.has(id)).length;
  return { count, expected, merges: Math.max(0, expected - count), splits: Math.max(0, count - expected) };
}

/** The incident entries of a run's state. */
export const incidentEntries = (state: State): JournalEntry[] =>
  readJournal(state, { afterId: 0, limit: 100_000, types: INCIDENT_ENTRY_TYPES });
