// The loop on a scripted subject: each cycle's observation comes from a list, the clock is stepped.
import { describe, expect, test } from "bun:test";
import { tempStates } from "../../test/fixtures/temp-state.ts";
import { incidentTickets, listIncidents } from "../incidents/incidents.ts";
import { runMonitor, type MonitorOptions } from "./monitor.ts";
import type { MonitorStage } from "./monitor-stage.ts";
import type { State } from "../state/state.ts";
import type { Subject } from "../subject/subject.ts";
import { listTickets, ticketTransitions } from "./tickets.ts";
import { recentEpisodes } from "./violation-history.ts";

/** An observation: the members that are down, or an error to throw, or "hang". */
type Script = (string[] | Error | "hang")[];

/** Members a and b share a rack: both down at once is that rack, one cause. */
const rackRule = {
  name: "rack_down", description: "a and b down together: their rack",
  evaluate: ({ observation }: { observation: string[] }) =>
    observation.includes("a") && observation.includes("b")
      ? [{ component: "rack:1", faultClass: "power_loss", summary: "rack 1 lost power", confidence: 0.9, evidence: [], explains: ["member_down:member:a", "member_down:member:b"], actions: [] }]
      : [],
};

function scriptedSubject(script: Script, options: { throwingInvariant?: boolean; rackRule?: boolean } = {}): Subject<string[]> {
  let cycle = 0;
  return {
    name: "toy",
    async observe(signal) {
      const next = script[Math.min(cycle++, script.length - 1)]!;
      if (next instanceof Error) throw next;
      if (next === "hang") return new Promise<string[]>(() => {});
      signal.throwIfAborted();
      return next;
    },
    observationErrors: (down) => (down.includes("garbled") ? ["member garbled answered garbage"] : []),
    invariants: [
      {
        name: "member_down",
        severity: "critical",
        graceMs: 2_000,
        description: "a member does not answer",
        check: (down) => down.filter((m) => m !== "garbled").map((m) => ({ invariant: "member_down", resource: `member:${m}`, severity: "critical" as const, message: `${m} is down`, evidence: { member: m } })),
      },
      ...(options.throwingInvariant ? [{ name: "broken", severity: "info" as const, graceMs: 0, description: "throws", check: () => { throw new Error("bug in check"); } }] : []),
    ],
    actions: () => [],
    execute: async () => ({ ok: false, message: "none", retryable: false }),
    diagnosisRules: options.rackRule ? [rackRule] : [],
    close: async () => {},
  };
}

interface Event { type: string; [k: string]: unknown }

const freshState = tempStates("operator-monitor-");

/** Runs `cycles` cycles one second apart on a stepped clock; returns the events. */
async function run(subject: Subject<string[]>, state: State, cycles: number, extra: Partial<MonitorOptions<string[]>> = {}) {
  const events: Event[] = [];
  const controller = new AbortController();
  let clock = extra.now?.() ?? 0;
  let calls = 0;
  const summary = await runMonitor({
    subject, state, intervalMs: 0, graceScale: 1, observeTimeoutMs: 200, once: false, signal: controller.signal,
    ...extra,
    now: () => clock,
    emit: (type, data) => {
      events.push({ type, ...data });
      if (type === "cycle") {
        clock += 1_000;
        if (++calls >= cycles) controller.abort();
      }
    },
  });
  return { events, summary };
}

const kinds = (events: Event[]) => events.filter((e) => e.type !== "cycle").map((e) => `${e.type}${e.type === "error" ? `:${e.source}` : ""}`);

describe("monitor loop", () => {
  test("a violation opens a ticket after its grace and resolves after it has been clear for a while", async () => {
    const state = freshState();
    const { events } = await run(scriptedSubject([["a"], ["a"], ["a"], ["a"], [], [], [], []]), state, 8);
    expect(kinds(events)).toEqual(["violation", "ticket_opened", "incident_opened", "ticket_resolved", "incident_resolved"]);
    const opened = events.find((e) => e.type === "ticket_opened")!.ticket as Record<string, unknown>;
    expect(opened).toMatchObject({ invariant: "member_down", resource: "member:a", severity: "critical", status: "open", opened_at: new Date(2_000).toISOString() });
    expect(events.filter((e) => e.type === "cycle").map((e) => e.violations)).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    const [ticket] = listTickets(state);
    expect(ticketTransitions(state, ticket!.id).map((t) => [t.toStatus, t.actor, t.why])).toEqual([
      ["open", "monitor", "violation held for 2000 ms (grace 2000 ms)"],
      ["resolved", "monitor", "violation clear for 2000 ms"],
    ]);
    expect(recentEpisodes(state, "toy", 0).map((e) => [e.key, e.cycles, e.ticketId, e.endedAt])).toEqual([["member_down:member:a", 4, ticket!.id, 6_000]]);
  });

  test("a blinking fault is one ticket", async () => {
    const state = freshState();
    const { events } = await run(scriptedSubject([["a"], ["a"], [], ["a"], [], ["a"], [], ["a"], ["a"]]), state, 9);
    expect(kinds(events)).toEqual(["violation", "ticket_opened", "incident_opened"]);
    expect(listTickets(state).length).toBe(1);
  });

  test("a failed observation is an error event each cycle, a ticket once it persists, and freezes the other tickets", async () => {
    const state = freshState();
    const broken = new Error("connection refused");
    const script: Script = [["a"], ["a"], ["a"], broken, broken, broken, broken, broken, broken, broken, broken, broken, broken, broken, ["a"]];
    const { events } = await run(scriptedSubject(script), state, script.length);
    expect(kinds(events)).toEqual([
      "violation", "ticket_opened", "incident_opened",
      "error:observe", "violation", ...Array(10).fill("error:observe"), "ticket_opened", "incident_opened",
    ]);
    const open = listTickets(state, { status: "open" }).map((t) => `${t.invariant}:${t.resource}`);
    expect(open.sort()).toEqual(["member_down:member:a", "observation_failed:cluster"]);
    const failed = events.find((e) => e.type === "ticket_opened" && (e.ticket as { invariant: string }).invariant === "observation_failed")!;
    expect((failed.ticket as { last_message: string }).last_message).toBe("cannot observe toy: connection refused");
  });

  test("an observation that hangs past its deadline is a failure, not a stuck loop", async () => {
    const state = freshState();
    const { events, summary } = await run(scriptedSubject(["hang"]), state, 1, { once: true, observeTimeoutMs: 50 });
    expect(events.find((e) => e.type === "error")).toMatchObject({ source: "observe", message: "observing toy took longer than 50 ms", timed_out: true });
    expect(summary.observationFailure).toMatchObject({ timedOut: true, unreachable: true });
  });

  test("an invariant that throws and parts of an observation that cannot be read are error events; the rest is checked", async () => {
    const state = freshState();
    const { events } = await run(scriptedSubject([["garbled", "b"]], { throwingInvariant: true }), state, 1, { once: true });
    expect(kinds(events)).toEqual(["error:observation", "error:invariant", "violation", "ticket_opened", "incident_opened"]);
    expect(events[1]).toMatchObject({ invariant: "broken", message: "bug in check" });
  });

  test("tickets that open in one cycle with one likely cause open one incident; an unexplained one opens its own", async () => {
    const state = freshState();
    const incidentsOf = (events: Event[]) => events.filter((e) => e.type === "incident_opened").map((e) => (e.incident as { tickets: { resource: string }[] }).tickets.map((t) => t.resource));
    const grouped = await run(scriptedSubject([["a", "b", "c"]], { rackRule: true }), state, 1, { once: true });
    expect(incidentsOf(grouped.events)).toEqual([["member:a"], ["member:c"]]);
    const incidents = listIncidents(state, { status: "open" }).map((i) => incidentTickets(state, i.id).map((t) => t.resource));
    expect(incidents).toEqual([["member:c"], ["member:a", "member:b"]]);
    const other = freshState();
    expect(incidentsOf((await run(scriptedSubject([["a", "b", "c"]]), other, 1, { once: true })).events)).toEqual([["member:a"], ["member:b"], ["member:c"]]);
  });

  test("--once judges after a short burst of samples: a fault in the first sample only is not the verdict, one that holds is", async () => {
    const state = freshState();
    const burst = { onceBurst: { spanMs: 200, everyMs: 50 }, once: true };
    const calls = (script: Script) => { const subject = scriptedSubject(script); let n = 0; const observe = subject.observe; subject.observe = (s) => { n++; return observe(s); }; return { subject, count: () => n }; };
    const blip = calls([["a"], [], [], [], [], [], []]);
    const first = await run(blip.subject, state, 1, burst);
    expect(kinds(first.events)).toEqual([]);
    expect(first.summary.violations).toEqual([]);
    expect(blip.count()).toBeGreaterThanOrEqual(3);
    const held = await run(scriptedSubject([["a"]]), state, 1, burst);
    expect(kinds(held.events)).toEqual(["violation", "ticket_opened", "incident_opened"]);
  });

  test("--once ignores grace both ways: it opens at once and resolves what is clear", async () => {
    const state = freshState();
    expect(kinds((await run(scriptedSubject([["a"]]), state, 1, { once: true })).events)).toEqual(["violation", "ticket_opened", "incident_opened"]);
    expect(kinds((await run(scriptedSubject([[]]), state, 1, { once: true })).events)).toEqual(["ticket_resolved", "incident_resolved"]);
  });

  test("a restarted monitor carries on the open ticket: same id, no second ticket", async () => {
    const state = freshState();
    await run(scriptedSubject([["a"], ["a"], ["a"]]), state, 3);
    const [before] = listTickets(state);
    const { events } = await run(scriptedSubject([["a"], ["a"]]), state, 2, { now: () => 10_000 });
    expect(kinds(events)).toEqual([]);
    expect(listTickets(state)).toEqual([{ ...before!, updatedAt: 11_000, occurrences: 3 }]);
  });

  test("an episode a killed monitor left open without a ticket is ended by the next one", async () => {
    const state = freshState();
    await run(scriptedSubject([["a"]]), state, 1);
    expect(recentEpisodes(state, "toy", 0).map((e) => e.endedAt)).toEqual([undefined]);
    await run(scriptedSubject([[]]), state, 1, { now: () => 5_000 });
    expect(recentEpisodes(state, "toy", 0).map((e) => e.endedAt)).toEqual([5_000]);
  });

  test("a ticket a person resolved while the fault holds starts its grace again", async () => {
    const state = freshState();
    const subject = scriptedSubject([["a"]]);
    let resolvedByPerson = false;
    const stage: MonitorStage<string[]> = {
      name: "person",
      async afterCycle({ openTickets, state }) {
        if (!resolvedByPerson && openTickets.length > 0) {
          const { resolveTicket } = await import("./tickets.ts");
          resolveTicket(state, openTickets[0]!.id, { now: 0, actor: "alice", why: "looked fine to me" });
          resolvedByPerson = true;
        }
      },
    };
    const { events } = await run(subject, state, 7, { stages: [stage] });
    expect(kinds(events)).toEqual(["violation", "ticket_opened", "incident_opened", "incident_resolved", "ticket_opened", "incident_opened"]);
    expect(listTickets(state).map((t) => t.status)).toEqual(["open", "resolved"]);
  });

  test("stages see each new ticket with the cycle's context; a stage that throws is an error event", async () => {
    const state = freshState();
    const seen: string[] = [];
    const stages: MonitorStage<string[]>[] = [
      {
        name: "diagnosis",
        async onTicketOpened(ticket, ctx) {
          seen.push(`opened ${ticket.key} cycle ${ctx.cycle} observation ${JSON.stringify(ctx.observation)} history ${ctx.history.length}`);
          ctx.emit("diagnosis", { ticket_id: ticket.id });
        },
        async onTicketResolved(ticket) {
          seen.push(`resolved ${ticket.key}`);
        },
        async afterCycle(ctx) {
          seen.push(`cycle ${ctx.cycle} open ${ctx.openTickets.length}`);
        },
      },
      { name: "faulty", async afterCycle() { throw new Error("stage bug"); } },
    ];
    const { events } = await run(scriptedSubject([["a"], [], [], []]), state, 4, { stages, graceScale: 0 });
    expect(seen).toEqual([
      'opened member_down:member:a cycle 1 observation ["a"] history 1', "cycle 1 open 1",
      "resolved member_down:member:a", "cycle 2 open 0", "cycle 3 open 0", "cycle 4 open 0",
    ]);
    expect(kinds(events)).toEqual(["violation", "ticket_opened", "incident_opened", "diagnosis", "error:stage", "ticket_resolved", "incident_resolved", "error:stage", "error:stage", "error:stage"]);
  });

  test("the signal stops the loop between cycles", async () => {
    const state = freshState();
    const controller = new AbortController();
    const events: string[] = [];
    const done = runMonitor({
      subject: scriptedSubject([[]]), state, intervalMs: 60_000, graceScale: 1, observeTimeoutMs: 1_000, once: false, signal: controller.signal,
      emit: (type) => { events.push(type); if (type === "cycle") controller.abort(); },
    });
    expect((await done).cycles).toBe(1);
    expect(events).toEqual(["cycle"]);
  });
});
