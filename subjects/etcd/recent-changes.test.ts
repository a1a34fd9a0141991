import { describe, expect, test } from "bun:test";
import { counterIncrease, createCounterHistory, summarizeRecent, type CounterSample } from "./recent-changes.ts";

const WINDOWS = { leaderChangesMs: 60_000, proposalsFailedMs: 20_000 };
const sample = (at: number, members: Record<string, [number | null, number | null]>): CounterSample => ({
  at,
  members: Object.fromEntries(Object.entries(members).map(([name, [leaderChanges, proposalsFailed]]) => [name, { leaderChanges, proposalsFailed }])),
});

describe("recent counter changes", () => {
  test("a counter's increase counts a restart's new value, as Prometheus increase does", () => {
    expect(counterIncrease([1, 1, 3, 4])).toBe(3);
    expect(counterIncrease([5, 1, 2])).toBe(2);
    expect(counterIncrease([7])).toBe(0);
  });

  test("a first observation counts nothing", () => {
    expect(summarizeRecent([sample(0, { a: [4, 9] })], 0, WINDOWS)).toEqual({
      historyMs: 0,
      leaderChanges: { windowMs: 60_000, total: 0, byMember: { a: 0 } },
      proposalsFailed: { windowMs: 20_000, total: 0, byMember: { a: 0 } },
    });
  });

  test("leader changes are the most any member saw; failed proposals are summed; each over its own window", () => {
    const samples = [
      sample(0, { a: [1, 0], b: [1, 0] }),
      sample(10_000, { a: [2, 5], b: [2, 0] }),
      sample(50_000, { a: [3, 5], b: [4, 1] }),
      sample(70_000, { a: [3, 5], b: [4, 3] }),
    ];
    expect(summarizeRecent(samples, 70_000, WINDOWS)).toEqual({
      historyMs: 70_000,
      // window from 10 s: baseline at 0 s, so a saw 1→2→3 (2) and b 1→2→4 (3)
      leaderChanges: { windowMs: 60_000, total: 3, byMember: { a: 2, b: 3 } },
      // window from 50 s: baseline at 10 s, a 5→5→5 (0), b 0→1→3 (3)
      proposalsFailed: { windowMs: 20_000, total: 3, byMember: { a: 0, b: 3 } },
    });
  });

  test("a member missing from some samples (down) counts only across the samples it answered", () => {
    const samples = [sample(0, { a: [1, 0] }), sample(1_000, { b: [9, 9] }), sample(2_000, { a: [2, 0] })];
    expect(summarizeRecent(samples, 2_000, WINDOWS).leaderChanges.byMember).toEqual({ a: 1, b: 0 });
  });

  test("the history forgets samples older than the longest window but keeps one baseline", () => {
    const history = createCounterHistory(WINDOWS);
    history.record(sample(0, { a: [1, 0] }));
    history.record(sample(30_000, { a: [2, 0] }));
    history.record(sample(100_000, { a: [5, 0] }));
    const recent = history.record(sample(120_000, { a: [6, 0] }));
    // 0 s is gone; 30 s is the baseline of the window starting at 60 s
    expect(recent.historyMs).toBe(90_000);
    expect(recent.leaderChanges.total).toBe(4);
  });
});
