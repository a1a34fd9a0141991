import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tempStates } from "../../test/fixtures/temp-state.ts";
import { openState } from "../state/state.ts";
import type { Violation } from "../subject/subject.ts";
import { getTicket, listTickets, openTicket, resolveTicket, ticketJson, ticketTransitions, updateTickets } from "./tickets.ts";

// Real servers on a shared 2-core machine: bun's 5 s default is too tight (bunfig's [test] timeout is not applied).
setDefaultTimeout(60_000);

const freshState = tempStates("operator-tickets-");

const violation = (resource: string, message = "down"): Violation => ({ invariant: "member_down", resource, severity: "critical", message, evidence: { answered: false } });
const by = (now: number, why = "test") => ({ now, actor: "tester", why });

describe("ticket store", () => {
  test("one open ticket per invariant:resource: opening again returns the open one", () => {
    const state = freshState();
    const first = openTicket(state, { subject: "s", violation: violation("member:a"), firstSeenAt: 900, ...by(1_000) });
    const again = openTicket(state, { subject: "s", violation: violation("member:a"), firstSeenAt: 950, ...by(2_000) });
    const other = openTicket(state, { subject: "s", violation: violation("member:b"), firstSeenAt: 950, ...by(2_000) });
    expect([first.created, again.created, other.created]).toEqual([true, false, true]);
    expect(again.ticket.id).toBe(first.ticket.id);
    expect(ticketJson(first.ticket)).toEqual({
      id: first.ticket.id, subject: "s", invariant: "member_down", resource: "member:a", severity: "critical", status: "open",
      opened_at: new Date(1_000).toISOString(), updated_at: new Date(1_000).toISOString(), resolved_at: null, first_seen_at: new Date(900).toISOString(),
      last_message: "down", last_evidence: { answered: false }, occurrences: 1,
    });
  });

  test("updates carry the latest message and count occurrences; a key with no open ticket is returned", () => {
    const state = freshState();
    const { ticket } = openTicket(state, { subject: "s", violation: violation("member:a"), firstSeenAt: 1_000, ...by(1_000) });
    expect(updateTickets(state, "s", [violation("member:a", "still down"), violation("member:z")], 3_000)).toEqual(["member_down:member:z"]);
    expect(getTicket(state, ticket.id)).toMatchObject({ lastMessage: "still down", occurrences: 2, updatedAt: 3_000, status: "open" });
  });

  test("resolving records who and why; a recurrence after resolution is a new ticket", () => {
    const state = freshState();
    const { ticket } = openTicket(state, { subject: "s", violation: violation("member:a"), firstSeenAt: 1_000, ...by(1_000, "held 10s") });
    expect(resolveTicket(state, ticket.id, by(5_000, "clear for 4s")).changed).toBe(true);
    expect(resolveTicket(state, ticket.id, by(6_000)).changed).toBe(false);
    expect(ticketTransitions(state, ticket.id)).toEqual([
      { ticketId: ticket.id, at: 1_000, fromStatus: undefined, toStatus: "open", actor: "tester", why: "held 10s" },
      { ticketId: ticket.id, at: 5_000, fromStatus: "open", toStatus: "resolved", actor: "tester", why: "clear for 4s" },
    ]);
    const next = openTicket(state, { subject: "s", violation: violation("member:a"), firstSeenAt: 7_000, ...by(7_000) });
    expect(next.created).toBe(true);
    expect(next.ticket.id).not.toBe(ticket.id);
    expect(listTickets(state, { status: "resolved" }).map((t) => t.id)).toEqual([ticket.id]);
    expect(listTickets(state).map((t) => t.id)).toEqual([next.ticket.id, ticket.id]);
  });

  test("an unknown ticket is a usage error that says where to look", () => {
    const state = freshState();
    expect(() => getTicket(state, 42)).toThrow("no ticket 42: see operator tickets list");
    expect(() => resolveTicket(state, 42, by(1))).toThrow("no ticket 42");
  });

  test("tickets survive closing and reopening the state db", () => {
    const dir = mkdtempSync(join(tmpdir(), "operator-tickets-"));
    const first = openState(dir);
    const { ticket } = openTicket(first, { subject: "s", violation: violation("member:a"), firstSeenAt: 1, ...by(1) });
    first.close();
    const second = freshState(dir);
    expect(getTicket(second, ticket.id).status).toBe("open");
  });
});

describe("two processes on one state dir", () => {
  test("concurrent writers never open a key twice and never fail", async () => {
    const dir = mkdtempSync(join(tmpdir(), "operator-tickets-"));
    const script = `
      import { openState } from ${JSON.stringify(join(import.meta.dir, "../state/state.ts"))};
      import { openTicket, resolveTicket, updateTickets } from ${JSON.stringify(join(import.meta.dir, "tickets.ts"))};
      const state = openState(${JSON.stringify(dir)});
      for (let i = 0; i < 150; i++) {
        const v = { invariant: "member_down", resource: "member:" + (i % 3), severity: "critical", message: "m", evidence: {} };
        const { ticket } = openTicket(state, { subject: "s", violation: v, firstSeenAt: i, now: i, actor: "p", why: "w" });
        updateTickets(state, "s", [v], i);
        if (i % 7 === 0) resolveTicket(state, ticket.id, { now: i, actor: "p", why: "w" });
      }
      state.close();
    `;
    const procs = [0, 1].map(() => Bun.spawn(["bun", "-e", script], { stdout: "pipe", stderr: "pipe" }));
    const results = await Promise.all(procs.map(async (p) => ({ code: await p.exited, stderr: await new Response(p.stderr).text() })));
    expect(results).toEqual([{ code: 0, stderr: "" }, { code: 0, stderr: "" }]);
    const state = freshState(dir);
    const open = listTickets(state, { status: "open" });
    expect(new Set(open.map((t) => t.key)).size).toBe(open.length);
    expect(state.db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
  });
});
