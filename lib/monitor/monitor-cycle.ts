// One monitor cycle's ticket work: step every violation key through its grace, then write the
// transitions (open, update, resolve, episode history) in one transaction, so a crash mid-cycle
// leaves the state as it was before the cycle and a retry opens nothing twice.
import { gracePolicy, stepTrack, type Track } from "./grace-period.ts";
import type { State } from "../state/state.ts";
import { violationKey, type Violation } from "../subject/subject.ts";
import { listTickets, openTicket, resolveTicket, updateTickets, type Ticket } from "./tickets.ts";
import { openEpisodesByTicket, saveEpisodes, type Episode } from "./violation-history.ts";

/** What the monitor remembers of one `invariant:resource` key between cycles. */
export interface KeyState {
  track: Track;
  episode: Episode;
  ticketId?: number;
}

export interface TicketPolicy {
  graceScale: number;
  intervalMs: number;
  once: boolean;
  /** Grace of an invariant by name (ms); unknown names have none. */
  graceOf(invariant: string): number;
}

export interface CycleOutcome {
  keys: Map<string, KeyState>;
  /** Violations that started a new episode this cycle. */
  started: Violation[];
  opened: Ticket[];
  resolved: Ticket[];
}

export const MONITOR_ACTOR = "monitor";

/** The keys of a subject's open tickets, so a restarted monitor carries them on instead of opening twins. */
export function carriedKeys(state: State, subject: string): Map<string, KeyState> {
  const episodes = openEpisodesByTicket(state, subject);
  const keys = new Map<string, KeyState>();
  for (const ticket of listTickets(state, { subject, status: "open" })) {
    const violation: Violation = { invariant: ticket.invariant, resource: ticket.resource, severity: ticket.severity, message: ticket.lastMessage, evidence: ticket.lastEvidence };
    const episode = episodes.get(ticket.id) ?? { violation, firstSeenAt: ticket.firstSeenAt, lastSeenAt: ticket.updatedAt, ticketId: ticket.id, cycles: ticket.occurrences };
    keys.set(ticket.key, { track: { firstSeenAt: ticket.firstSeenAt, lastSeenAt: ticket.updatedAt, ticketed: true }, episode, ticketId: ticket.id });
  }
  return keys;
}

/**
 * Steps `stepped` keys (the ones this cycle has news about) with `present` violations at `now`;
 * keys outside `stepped` are left as they were (an observation that failed says nothing about them).
 */
export function advanceTickets(
  state: State,
  input: {
    subject: string; now: number; present: Violation[]; stepped: (key: string) => boolean; keys: Map<string, KeyState>; policy: TicketPolicy;
    /** Each key's likely cause this cycle: tickets opening together with the same cause share one incident. */
    causeOf?: (key: string) => string | undefined;
  },
): CycleOutcome {
  const { subject, now, policy } = input;
  const present = new Map(input.present.map((v) => [violationKey(v), v]));
  const keys = new Map(input.keys);
  const outcome: CycleOutcome = { keys, started: [], opened: [], resolved: [] };
  const held: Violation[] = [];
  const touched: Episode[] = [];
  const openedByCause = new Map<string, number>();

  state.db.transaction(() => {
    for (const key of new Set([...keys.keys(), ...present.keys()])) {
      if (!input.stepped(key)) continue;
      const before = keys.get(key);
      const violation = present.get(key);
      const grace = gracePolicy(policy.graceOf(violation?.invariant ?? before!.episode.violation.invariant), policy);
      const step = stepTrack(before?.track, violation !== undefined, now, grace);
      if (!step) continue;
      const episode: Episode = before
        ? { ...before.episode, ...(violation ? { violation, lastSeenAt: now, cycles: before.episode.cycles + 1 } : {}) }
        : { violation: violation!, firstSeenAt: now, lastSeenAt: now, cycles: 1 };
      if (!before) outcome.started.push(violation!);
      let ticketId = before?.ticketId;
      if (step.kind === "open") {
        const cause = input.causeOf?.(key);
        const sameCause = cause === undefined ? undefined : openedByCause.get(cause);
        const { ticket, created, incidentId } = openTicket(state, { subject, violation: violation!, firstSeenAt: step.track!.firstSeenAt, now, actor: MONITOR_ACTOR, why: openWhy(step.track!, now, grace.graceMs), ...(sameCause !== undefined ? { sameCause } : {}) });
        if (cause !== undefined && incidentId !== undefined && !openedByCause.has(cause)) openedByCause.set(cause, incidentId);
        ticketId = ticket.id;
        episode.ticketId = ticket.id;
        if (created) outcome.opened.push(ticket);
      } else if (step.kind === "held") {
        held.push(violation!);
      } else if (step.kind === "resolve" && ticketId !== undefined) {
        const clearMs = now - (before?.track.clearSince ?? now);
        const { ticket, changed } = resolveTicket(state, ticketId, { now, actor: MONITOR_ACTOR, why: `violation clear for ${clearMs} ms` });
        if (changed) outcome.resolved.push(ticket);
      }
      if (step.track) {
        keys.set(key, { track: step.track, episode, ...(ticketId !== undefined ? { ticketId } : {}) });
      } else {
        keys.delete(key);
        episode.endedAt = now;
      }
      touched.push(episode);
    }
    // A ticket a person resolved while the fault holds: its key starts a new grace.
    for (const key of updateTickets(state, subject, held, now)) {
      const entry = keys.get(key)!;
      entry.episode.ticketId = undefined;
      keys.set(key, { track: { firstSeenAt: now, lastSeenAt: now, ticketed: false }, episode: entry.episode });
    }
    saveEpisodes(state, subject, touched);
  }).immediate();
  return outcome;
}

function openWhy(track: Track, now: number, graceMs: number): string {
  return graceMs === 0 ? "violation observed (grace ignored)" : `violation held for ${now - track.firstSeenAt} ms (grace ${graceMs} ms)`;
}
