// The monitor loop: observe (bounded in time), check every invariant, advance tickets through their
// grace, run the pipeline stages, stream events; until the signal fires, or once.
import { ruleClaims } from "../diagnosis/builtin-engine.ts";
import { isOperatorError } from "../cli/errors.ts";
import { causeOfEach } from "../incidents/incident-grouping.ts";
import { incidentFeed } from "../incidents/incident-events.ts";
import { ONCE_BURST, sampleBurst, type Burst } from "./monitor-burst.ts";
import { advanceTickets, carriedKeys, type KeyState } from "./monitor-cycle.ts";
import type { CycleContext, EmitEvent, MonitorStage } from "./monitor-stage.ts";
import { failedObservation, observeWithin, OBSERVATION_FAILED, observationFailedGraceMs, type ObservationFailure } from "./observation.ts";
import type { State } from "../state/state.ts";
import { violationKey, type Subject, type Violation } from "../subject/subject.ts";
import { listTickets, ticketJson, type Ticket } from "./tickets.ts";
import { endOrphanEpisodes, pruneEpisodes } from "./violation-history.ts";

export interface MonitorOptions<O = unknown> {
  subject: Subject<O>;
  state: State;
  intervalMs: number;
  /** Multiplies every grace period (`--grace-scale`). */
  graceScale: number;
  /** Longest an observation may take before it counts as failed (ms). */
  observeTimeoutMs: number;
  /** One judged cycle, grace ignored, after a short burst of samples (`onceBurst`). */
  once: boolean;
  /** What `once` samples before its judged cycle; default ONCE_BURST (2 s, every 250 ms). */
  onceBurst?: Burst;
  stages?: MonitorStage<O>[];
  emit: EmitEvent;
  signal: AbortSignal;
  /** Observations kept for stages (diagnosis looks at change over time). */
  historySize?: number;
  now?: () => number;
}

export interface MonitorSummary {
  cycles: number;
  /** Violations holding in the last cycle. */
  violations: Violation[];
  /** Why the last cycle's observation failed, if it did. */
  observationFailure: ObservationFailure | undefined;
  openTickets: Ticket[];
}

const HISTORY_RETENTION_MS = 7 * 86_400_000;

export async function runMonitor<O>(options: MonitorOptions<O>): Promise<MonitorSummary> {
  const { subject, state, emit, signal } = options;
  const now = options.now ?? Date.now;
  const stages = options.stages ?? [];
  const graces = new Map(subject.invariants.map((i) => [i.name, i.graceMs]));
  graces.set(OBSERVATION_FAILED, observationFailedGraceMs(options.intervalMs));
  const policy = { graceScale: options.graceScale, intervalMs: options.intervalMs, once: options.once, graceOf: (name: string) => graces.get(name) ?? 0 };
  const history: { at: number; observation: O }[] = [];
  const historySize = options.historySize ?? 30;

  pruneEpisodes(state, now() - HISTORY_RETENTION_MS);
  let keys: Map<string, KeyState> = carriedKeys(state, subject.name);
  // Episodes a killed monitor left open without a ticket are over; a live monitor sharing the
  // state dir re-opens its own on its next write.
  endOrphanEpisodes(state, subject.name, [...keys.values()].flatMap((k) => (k.ticketId !== undefined ? [k.ticketId] : [])), now());
  let summary: MonitorSummary = { cycles: 0, violations: [], observationFailure: undefined, openTickets: [] };
  const incidentEvents = incidentFeed(state, subject.name);

  const reportError = (source: string, error: unknown, extra: Record<string, unknown> = {}) => {
    const message = error instanceof Error ? error.message : String(error);
    const code = isOperatorError(error) ? error.code : undefined;
    emit("error", { source, message, ...(code ? { code } : {}), ...extra }, `error (${source}): ${message}`);
  };

  const emitIncidents = () => {
    try {
      incidentEvents(emit);
    } catch (error) {
      reportError("state", error);
    }
  };

  try {
    if (options.once) {
      const burst = await sampleBurst(subject, options.onceBurst ?? ONCE_BURST, options.observeTimeoutMs, signal, now);
      history.push(...burst.slice(-historySize));
    }
    while (!signal.aborted) {
      const startedAt = now();
      const cycle = summary.cycles + 1;
      const observed = await observeWithin(subject, options.observeTimeoutMs, signal);
      if (signal.aborted) break;

      let violations: Violation[];
      if (observed.ok) {
        for (const problem of subject.observationErrors?.(observed.observation) ?? []) reportError("observation", problem);
        violations = checkInvariants(subject, observed.observation, startedAt, reportError);
        history.push({ at: startedAt, observation: observed.observation });
        if (history.length > historySize) history.shift();
      } else {
        reportError("observe", observed.failure.message, { timed_out: observed.failure.timedOut });
        violations = [failedObservation(subject.name, observed.failure)];
      }

      const contextOf = (openTickets: Ticket[]): CycleContext<O> => ({
        subject, state, cycle, now: startedAt, once: options.once, observation: observed.ok ? observed.observation : undefined,
        violations, openTickets, history: [...history], emit, signal,
      });
      for (const stage of stages) {
        if (!stage.beforeTickets) continue;
        await stage.beforeTickets(contextOf(summary.openTickets)).catch((error) => reportError("stage", error, { stage: stage.name, hook: "beforeTickets" }));
      }

      let outcome;
      try {
        // A failed observation says nothing about the other keys: only its own key is stepped.
        const stepped = observed.ok ? () => true : (key: string) => key.startsWith(`${OBSERVATION_FAILED}:`);
        const causes = observed.ok ? causeOfEach(ruleClaims({ subject, observation: observed.observation, history, now: startedAt, violations })) : new Map<string, string>();
        outcome = advanceTickets(state, { subject: subject.name, now: startedAt, present: violations, stepped, keys, policy, causeOf: (key) => causes.get(key) });
        keys = outcome.keys;
      } catch (error) {
        reportError("state", error);
      }

      const ticketsOf = new Map([...keys.values()].filter((k) => k.ticketId !== undefined).map((k) => [violationKey(k.episode.violation), k.ticketId]));
      for (const v of outcome?.started ?? []) {
        emit("violation", { key: violationKey(v), ...violationJson(v), first_seen_at: new Date(startedAt).toISOString(), ticket_id: ticketsOf.get(violationKey(v)) ?? null }, `violation ${v.severity} ${violationKey(v)}: ${v.message}`);
      }
      for (const t of outcome?.opened ?? []) emit("ticket_opened", { ticket: ticketJson(t) }, `ticket #${t.id} opened: ${t.invariant} on ${t.resource} (${t.severity}): ${t.lastMessage}`);
      for (const t of outcome?.resolved ?? []) emit("ticket_resolved", { ticket: ticketJson(t) }, `ticket #${t.id} resolved: ${t.invariant} on ${t.resource}`);
      emitIncidents();

      const openTickets = safeOpenTickets(state, subject.name, reportError);
      await runStages(stages, contextOf(openTickets), outcome?.opened ?? [], outcome?.resolved ?? [], reportError);
      emitIncidents();

      const tookMs = now() - startedAt;
      summary = { cycles: cycle, violations, observationFailure: observed.ok ? undefined : observed.failure, openTickets };
      emit("cycle", { cycle, took_ms: tookMs, violations: violations.length, open_tickets: openTickets.length, observed: observed.ok },
        `cycle ${cycle}: ${violations.length} violation(s), ${openTickets.length} open ticket(s), ${tookMs} ms`);
      if (options.once) break;
      await sleep(Math.max(0, options.intervalMs - tookMs), signal);
    }
  } finally {
    for (const stage of stages) await stage.close?.().catch((error) => reportError("stage", error, { stage: stage.name }));
    emitIncidents();
  }
  return summary;
}

/** Every invariant's violations, one per key; an invariant that throws is reported and skipped. */
export function checkInvariants<O>(subject: Subject<O>, observation: O, now: number, reportError: (source: string, error: unknown, extra?: Record<string, unknown>) => void): Violation[] {
  const byKey = new Map<string, Violation>();
  for (const invariant of subject.invariants) {
    try {
      for (const v of invariant.check(observation, now)) if (!byKey.has(violationKey(v))) byKey.set(violationKey(v), v);
    } catch (error) {
      reportError("invariant", error, { invariant: invariant.name });
    }
  }
  return [...byKey.values()];
}

async function runStages<O>(stages: MonitorStage<O>[], context: CycleContext<O>, opened: Ticket[], resolved: Ticket[], reportError: (source: string, error: unknown, extra?: Record<string, unknown>) => void): Promise<void> {
  for (const stage of stages) {
    const guarded = async (what: string, call: () => Promise<void> | undefined) => {
      try {
        await call();
      } catch (error) {
        reportError("stage", error, { stage: stage.name, hook: what });
      }
    };
    for (const t of opened) await guarded("onTicketOpened", () => stage.onTicketOpened?.(t, context));
    for (const t of resolved) await guarded("onTicketResolved", () => stage.onTicketResolved?.(t, context));
    await guarded("afterCycle", () => stage.afterCycle?.(context));
  }
}

function safeOpenTickets(state: State, subject: string, reportError: (source: string, error: unknown) => void): Ticket[] {
  try {
    return listTickets(state, { subject, status: "open" });
  } catch (error) {
    reportError("state", error);
    return [];
  }
}

export const violationJson = (v: Violation) => ({ invariant: v.invariant, resource: v.resource, severity: v.severity, message: v.message, evidence: v.evidence });

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
