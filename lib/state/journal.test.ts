import { describe, expect, test } from "bun:test";
import { tempStates } from "../../test/fixtures/temp-state.ts";
import { appendJournal, lastJournalId, pruneJournal, readJournal } from "./journal.ts";

const freshState = tempStates("operator-journal-");

describe("journal", () => {
  test("entries read back in order after a cursor, filtered by type, from another handle", () => {
    const state = freshState();
    expect(lastJournalId(state)).toBe(0);
    const a = appendJournal(state, { at: 1_000, type: "incident_opened", subject: "s", incidentId: 1, payload: { severity: "critical" } });
    const b = appendJournal(state, { at: 2_000, type: "ticket_opened", subject: "s", incidentId: undefined, payload: {} });
    const c = appendJournal(state, { at: 3_000, type: "incident_resolved", subject: "s", incidentId: 1, payload: {} });
    expect([b - a, c - b]).toEqual([1, 1]);
    const other = freshState(state.dir);
    expect(readJournal(other, { afterId: a, limit: 10 })).toEqual([
      { id: b, at: 2_000, type: "ticket_opened", subject: "s", incidentId: undefined, payload: {} },
      { id: c, at: 3_000, type: "incident_resolved", subject: "s", incidentId: 1, payload: {} },
    ]);
    expect(readJournal(other, { afterId: 0, limit: 10, types: ["incident_opened", "incident_resolved"] }).map((e) => e.id)).toEqual([a, c]);
    expect(readJournal(other, { afterId: 0, limit: 1 }).map((e) => e.id)).toEqual([a]);
    expect(lastJournalId(other)).toBe(c);
  });

  test("an entry written in a transaction that fails is gone with it", () => {
    const state = freshState();
    const failing = state.db.transaction(() => {
      appendJournal(state, { at: 1, type: "incident_opened", subject: undefined, incidentId: 7, payload: {} });
      throw new Error("the change failed");
    });
    expect(() => failing()).toThrow("the change failed");
    expect(readJournal(state, { afterId: 0, limit: 10 })).toEqual([]);
  });

  test("pruning drops old entries and never reuses their ids", () => {
    const state = freshState();
    appendJournal(state, { at: 1_000, type: "x", subject: undefined, incidentId: undefined, payload: {} });
    const kept = appendJournal(state, { at: 5_000, type: "x", subject: undefined, incidentId: undefined, payload: {} });
    expect(pruneJournal(state, 2_000)).toBe(1);
    expect(pruneJournal(state, 5_000)).toBe(0);
    expect(readJournal(state, { afterId: 0, limit: 10 }).map((e) => e.id)).toEqual([kept]);
    pruneJournal(state, 10_000);
    expect(appendJournal(state, { at: 11_000, type: "x", subject: undefined, incidentId: undefined, payload: {} })).toBe(kept + 1);
  });
});
