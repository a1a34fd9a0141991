// The live view as a person reads it: everything that matters on one 100×30 screen, from the run's events.
import { describe, expect, test } from "bun:test";
import { applyEvent, emptyModel, renderView, VIEW_HEIGHT, VIEW_WIDTH, wrap } from "./live-view.ts";

const T0 = 1_000_000;

function busyModel() {
  const m = emptyModel("shop", "the operator on a shop", T0);
  const feed = (type: string, data: Record<string, unknown>, at = T0 + 5_000) => applyEvent(m, type, data, at);
  feed("chapter_passed", { chapter: "cluster-up", took_ms: 9_700 });
  feed("chapter_started", { index: 3, total: 10, title: "A counter loses its TTL", narration: "A client checks key stale-key 0.8 times a second. ".repeat(8) });
  feed("traffic", { load: "background", sent: 30, allowed: 30, denied: 0, errors: 0, p99_ms: 4.2 });
  feed("traffic", { load: "stale-counter", sent: 1, allowed: 0, denied: 1, errors: 0, p99_ms: 1012.425 });
  for (let id = 1; id <= 5; id++) feed("ticket_opened", { ticket: { id, invariant: "stale_counter", resource: `key:k${id}`, severity: "warning" } });
  feed("ticket_resolved", { ticket: { id: 5 } });
  feed("diagnosis", { ticket: { id: 2 }, diagnosis: { root_cause: { component: "key:stale-key", summary: "the counter of stale-key has no TTL", confidence: 0.95 }, fault_class: "stale_counter", recommended_actions: [{ name: "reset_counter", params: { key: "stale-key" } }] } });
  feed("action_proposed", { action: { id: 7, name: "reset_counter", params: { key: "stale-key" }, risk: "low", status: "proposed", verification: null } });
  feed("action_approved", { action_id: 7 });
  for (let i = 1; i <= 6; i++) feed("step", { message: `step ${i}` });
  m.parts = [{ name: "db", healthy: true, detail: "answers PING" }, { name: "node-a", healthy: true, detail: "/health 200" }, { name: "node-b", healthy: false, detail: "not running" }];
  m.prompt = "Press Enter to start chapter 4 of 10 · Ctrl-C stops and cleans up";
  return m;
}

describe("live view", () => {
  test("fits 100×30 with every section: narration, cluster, traffic, tickets, diagnosis, actions, progress, results, prompt", () => {
    const screen = renderView(busyModel(), T0 + 65_000);
    expect(screen.length).toBeLessThanOrEqual(VIEW_HEIGHT);
    expect(screen.every((l) => l.length === VIEW_WIDTH)).toBe(true);
    const text = screen.join("\n");
    for (const shown of [
      "01:05 elapsed", "Chapter 3/10: A counter loses its TTL", "[running]", "A client checks key stale-key",
      "db ok  node-a ok  node-b FAILING", "node-b: not running",
      "background     sent   30/s  allowed   30  denied    0  errors   0  p99 4.2 ms",
      "stale-counter  sent    1/s  allowed    0  denied    1  errors   0  p99 1012 ms",
      "Tickets open: 4", "#1 warning  stale_counter on key:k1  (60s)", "… and 2 more",
      "ticket #2: key:stale-key · stale_counter · confidence 0.95", "recommends reset_counter {\"key\":\"stale-key\"}",
      "#7 approved: reset_counter {\"key\":\"stale-key\"} · low risk",
      "step 3", "step 6", "✓ cluster-up 10s", "Press Enter to start chapter 4 of 10",
    ]) expect(text).toContain(shown);
    expect(text).not.toContain("step 2\n");
  });

  test("a failed chapter shows why in place of its narration; a resolved ticket leaves the list", () => {
    const m = busyModel();
    applyEvent(m, "chapter_failed", { chapter: "stale-counter", took_ms: 40_000, failure: "a ticket over_throttling on key:stale-key did not come within 32 s" }, T0);
    const text = renderView(m, T0 + 70_000).join("\n");
    expect(text).toContain("[FAILED]");
    expect(text).toContain("FAILED: a ticket over_throttling on key:stale-key did not come within 32 s");
    expect(text).toContain("✗ stale-counter 40s");
    expect(text).not.toContain("key:k5");
  });

  test("a smaller terminal: narrower lines, and the bottom sections go before the results and the prompt", () => {
    const screen = renderView(busyModel(), T0 + 65_000, 80, 20);
    expect([screen.length, screen.every((l) => l.length === 80)]).toEqual([20, true]);
    expect(screen.slice(-2).map((l) => l.trimEnd())).toEqual(["✓ cluster-up 10s", "Press Enter to start chapter 4 of 10 · Ctrl-C stops and cleans up"]);
  });

  test("wrap keeps words whole and cuts the last line it may use", () => {
    expect(wrap("one two three four five", 9, 2)).toEqual(["one two", "three four five"]);
    expect(wrap("one two", 20, 3)).toEqual(["one two"]);
  });
});
