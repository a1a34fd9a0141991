// The run's event log: steps await events with a deadline, from a mark on.
import { describe, expect, test } from "bun:test";
import { EventLog } from "./event-log.ts";

const isTicket = (e: { type: string }) => e.type === "ticket_opened";

describe("event log", () => {
  test("next returns an event already seen from the mark on, or the first one to come", async () => {
    const log = new EventLog();
    log.push("ticket_opened", { id: 1 });
    const mark = log.mark();
    expect((await log.next(isTicket, { from: 0, deadlineAt: Date.now() + 1_000 }))?.data).toEqual({ id: 1 });
    const waiting = log.next(isTicket, { from: mark, deadlineAt: Date.now() + 5_000 });
    log.push("cycle", {});
    log.push("ticket_opened", { id: 2 });
    expect((await waiting)?.data).toEqual({ id: 2 });
    expect(log.since(mark).map((e) => e.type)).toEqual(["cycle", "ticket_opened"]);
  });

  test("undefined once the deadline passes or the signal fires, and a later event still reaches others", async () => {
    const log = new EventLog();
    expect(await log.next(isTicket, { from: 0, deadlineAt: Date.now() + 20 })).toBeUndefined();
    const abort = new AbortController();
    const cut = log.next(isTicket, { from: 0, deadlineAt: Date.now() + 5_000, signal: abort.signal });
    const other = log.next(isTicket, { from: 0, deadlineAt: Date.now() + 5_000 });
    abort.abort();
    expect(await cut).toBeUndefined();
    log.push("ticket_opened", { id: 3 });
    expect((await other)?.data).toEqual({ id: 3 });
  });
});
