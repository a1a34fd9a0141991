import { expect, test } from "bun:test";
import { tempDirs } from "../../test/fixtures/temp-dirs.ts";
import { appendJournal } from "../state/journal.ts";
import { openState } from "../state/state.ts";
import { countIncidents, incidentEntries } from "./incident-count.ts";

const newDir = tempDirs("incident-count-");

/** A run's state whose journal holds these incident transitions (the contract: `{incident: {…, merged_into}}`), plus a ticket entry that is not one. */
function journalOf(rows: [type: string, incidentId: number, mergedInto?: number][]) {
  const dir = newDir();
  const state = openState(dir);
  appendJournal(state, { at: 1, type: "ticket_opened", subject: "s", incidentId: 1, payload: { ticket: { id: 1 } } });
  for (const [type, incidentId, mergedInto] of rows) {
    appendJournal(state, { at: 2, type, subject: "s", incidentId, payload: { incident: { id: incidentId, status: type === "incident_resolved" ? "resolved" : "open", merged_into: mergedInto ?? null } } });
  }
  const entries = incidentEntries(state);
  state.close();
  return entries;
}

test("incidents are those opened less those merged into another; one per fault is right, fewer a wrong merge, more a split", () => {
  // A slow link: its over_admission ticket opened incident 2, merged into 1 once diagnosed; 1 resolved on its own later.
  const merged = journalOf([["incident_opened", 1], ["incident_opened", 2], ["incident_updated", 1], ["incident_resolved", 2, 1], ["incident_resolved", 1]]);
  expect(countIncidents(merged, 1, 2)).toEqual({ count: 1, expected: 1, merges: 0, splits: 0 });
  // The same with no merge: one cause paged twice.
  const split = journalOf([["incident_opened", 1], ["incident_opened", 2], ["incident_resolved", 2], ["incident_resolved", 1]]);
  expect(countIncidents(split, 1, 2)).toEqual({ count: 2, expected: 1, merges: 0, splits: 1 });
  // Two faults, their tickets swallowed into one incident.
  const swallowed = journalOf([["incident_opened", 1], ["incident_opened", 2], ["incident_resolved", 2, 1]]);
  expect(countIncidents(swallowed, 2, 2)).toEqual({ count: 1, expected: 2, merges: 1, splits: 0 });
});

test("a quiet run has no incident; tickets with no incident journalled mean this build does not track them (null, not zero)", () => {
  const none = journalOf([]);
  expect([countIncidents(none, 0, 0), countIncidents(none, 1, 3)]).toEqual([{ count: 0, expected: 0, merges: 0, splits: 0 }, null]);
});
