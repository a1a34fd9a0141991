import { describe, expect, test } from "bun:test";
import { TrafficLedger } from "./traffic-ledger.ts";

const r = (allowed: number, denied = 0) => ({ key: "k", checks: allowed + denied, allowed, denied });

describe("traffic ledger", () => {
  test("sums increments over nodes, only for intervals inside the span", () => {
    const ledger = new TrafficLedger(600_000);
    for (const [at, a, b] of [[0, 0, 0], [1_000, 3, 2], [2_000, 5, 4], [3_000, 9, 4]] as const) {
      ledger.record("a", at, [r(a)], false);
      ledger.record("b", at, [r(b)], false);
    }
    expect(ledger.totals("k", 2_000, 3_000)).toEqual({ checks: 8, allowed: 8, denied: 0, coveredMs: 2_000 });
    expect(ledger.totals("k", 10_000, 3_000)).toEqual({ checks: 13, allowed: 13, denied: 0, coveredMs: 3_000 });
    expect(ledger.totals("k", 1_500, 3_000).allowed).toBe(4);
  });

  test("a first report is a baseline, not traffic", () => {
    const ledger = new TrafficLedger(600_000);
    ledger.record("a", 0, [r(500)], false);
    expect(ledger.totals("k", 10_000, 0).allowed).toBe(0);
  });

  test("a rotation on the node (counts drop) is never read as traffic: totals stay a lower bound", () => {
    const ledger = new TrafficLedger(600_000);
    ledger.record("a", 0, [r(10)], false);
    ledger.record("a", 1_000, [r(12)], false);
    ledger.record("a", 2_000, [r(5)], false);
    ledger.record("a", 3_000, [r(8)], false);
    expect(ledger.totals("k", 10_000, 3_000).allowed).toBe(5);
  });

  test("a fixed-window edge burst of twice the limit within one cycle shows whole", () => {
    const ledger = new TrafficLedger(600_000);
    ledger.record("a", 0, [r(1)], false);
    ledger.record("a", 250, [r(1)], false);
    ledger.record("a", 500, [r(21, 3)], false);
    expect(ledger.totals("k", 2_000, 500).allowed).toBe(20);
  });

  test("after a complete report, a key new to the node counts from zero", () => {
    const ledger = new TrafficLedger(600_000);
    ledger.record("a", 0, [], true);
    ledger.record("a", 1_000, [r(12)], true);
    ledger.record("b", 0, [r(3)], false);
    ledger.record("b", 1_000, [r(3), { ...r(9), key: "other" }], false);
    expect(ledger.totals("k", 10_000, 1_000).allowed).toBe(12);
    expect(ledger.totals("other", 10_000, 1_000).allowed).toBe(0);
  });

  test("a key that leaves a node's report starts again from a baseline", () => {
    const ledger = new TrafficLedger(600_000);
    ledger.record("a", 0, [r(10)], false);
    ledger.record("a", 1_000, [], false);
    ledger.record("a", 2_000, [r(40)], false);
    expect(ledger.totals("k", 10_000, 2_000).allowed).toBe(0);
  });

  test("old increments are forgotten after the retention", () => {
    const ledger = new TrafficLedger(5_000);
    ledger.record("a", 0, [r(0)], false);
    ledger.record("a", 1_000, [r(7)], false);
    ledger.record("a", 10_000, [r(7)], false);
    expect(ledger.totals("k", 60_000, 10_000).allowed).toBe(0);
  });
});
