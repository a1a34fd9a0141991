// What one scenario run produced, with the time of every step, and the pure judgments made of the
// run's events: which ticket answers which expected detection, which diagnosis localizes the
// fault, which proposal is the expected remedy, which tickets nobody expected.
import { faultClassOf, isSameComponent, type Detection, type Expectation, type RemedyStep } from "./scenario.ts";
import type { RunEvent } from "./event-log.ts";

export interface TicketSeen {
  id: number;
  invariant: string;
  resource: string;
  /** ms since the epoch */
  openedAt: number;
}

export interface DiagnosisSeen {
  ticketId: number;
  at: number;
  engine: string;
  component: string;
  faultClass: string;
  /** The components it ruled out, best first: rank 2, 3, … for Acc@k. */
  alternatives: string[];
  tookMs: number;
  fallback?: string;
  /** LLM turns and tokens it took (LLM engine only). */
  usage?: { turns: number; tokens: number };
}

export interface RemedySeen {
  action: string;
  actionId: number;
  params: Record<string, unknown>;
  proposedAt: number;
  approvedAt: number | null;
  finishedAt: number | null;
  /** The action's last status (`succeeded`, `failed`, `cancelled`, …). */
  status: string;
  verification: string | null;
  verifiedAt: number | null;
}

export interface FaultSeen {
  id: number;
  fault: string;
  target: string;
  injectedAt: number;
  revertedAt: number | null;
}

/** Everything eval needs to score a run, and the demo to say what passed. Times are ms since the epoch. */
export interface ScenarioOutcome {
  scenario: string;
  kind: string;
  passed: boolean;
  /** Why it failed, in one line. */
  failure?: string;
  startedAt: number;
  finishedAt: number;
  faults: FaultSeen[];
  /** One entry per expected detection, in order: the ticket that answered it, or null. */
  detections: { expected: Detection; ticket: TicketSeen | null }[];
  /** Tickets opened during the run that no detection expected and nothing tolerated (false positives). */
  unexpected: TicketSeen[];
  /** Diagnoses of the expected tickets, in the order they came. */
  diagnoses: DiagnosisSeen[];
  remedies: RemedySeen[];
  /**
   * Whether nothing new opened for `quietMs` after the remedy was verified (true also when the
   * scenario asks for no quiet time); null when no remedy ran to the end.
   */
  remedyHeld: boolean | null;
  /** The first cycle with no violation and no open ticket after the faults were reverted. */
  allClearAt: number | null;
  /** For a teardown: every process that was stopped and whether it is gone. */
  stopped?: { name: string; pid: number; outcome: string; gone: boolean }[];
}

const keyOf = (d: { invariant: string; resource: string }) => `${d.invariant}:${d.resource}`;

export function ticketOf(event: RunEvent): TicketSeen {
  const t = event.data.ticket;
  // The monitor's own time of opening; the event is emitted a moment later.
  const openedAt = typeof t.opened_at === "string" ? Date.parse(t.opened_at) : Number.NaN;
  return { id: t.id, invariant: t.invariant, resource: t.resource, openedAt: Number.isNaN(openedAt) ? event.at : openedAt };
}

export const isTicketFor = (d: Detection) => (e: RunEvent) => e.type === "ticket_opened" && keyOf(e.data.ticket) === keyOf(d);

/**
 * The diagnosis that covers ticket `ticketId`: its own, or that of the incident holding it (the
 * monitor diagnoses once per incident; a ticket that joined one is diagnosed with it).
 */
export function diagnosisFor(events: readonly RunEvent[], ticketId: number): RunEvent | undefined {
  const holder = events.findLast((e) => e.type.startsWith("incident_") && e.data.incident?.tickets?.some((t: { id: number }) => t.id === ticketId));
  const incidentId = holder ? (holder.data.incident.merged_into ?? holder.data.incident.id) : undefined;
  return events.find((e) => e.type === "diagnosis" && (e.data.ticket.id === ticketId || (incidentId !== undefined && e.data.incident_id === incidentId)));
}

export function diagnosisOf(event: RunEvent): DiagnosisSeen {
  const d = event.data.diagnosis;
  return {
    ticketId: event.data.ticket.id,
    at: event.at,
    engine: d.engine,
    component: d.root_cause.component,
    faultClass: d.fault_class,
    alternatives: (d.alternatives ?? []).map((a: { component: string }) => a.component),
    tookMs: d.took_ms,
    ...(d.fallback ? { fallback: d.fallback } : {}),
    ...(d.usage ? { usage: { turns: d.usage.turns, tokens: d.usage.tokens } } : {}),
  };
}

/**
 * Whether the diagnoses name every expected component as a root cause, the first diagnosis one of
 * them, and the first diagnosis naming each component that component's fault class.
 */
export function judgeDiagnoses(diagnoses: DiagnosisSeen[], expect: Expectation): string | undefined {
  const [first] = diagnoses;
  if (!first) return "no diagnosis of the expected tickets";
  if (!expect.components.some((c) => isSameComponent(c, first.component, expect.aliases))) {
    return `the diagnosis names ${first.component} (${first.faultClass}), not ${expect.components.join(" or ")}`;
  }
  const namings = expect.components.map((c) => ({ component: c, by: diagnoses.find((d) => isSameComponent(c, d.component, expect.aliases)) }));
  const missing = namings.filter((n) => !n.by).map((n) => n.component);
  if (missing.length) return `no diagnosis names ${missing.join(", ")}`;
  for (const { component, by } of namings) {
    const faultClass = faultClassOf(expect, component);
    if (by!.faultClass !== faultClass) return `the diagnosis names ${by!.component} but as ${by!.faultClass}, not ${faultClass}`;
  }
  return undefined;
}

/** A proposal that is the expected remedy: the same action, with at least the expected params. */
export const isProposalOf = (step: RemedyStep) => (e: RunEvent) =>
  e.type === "action_proposed" && e.data.action.name === step.action && Object.entries(step.params).every(([k, v]) => Bun.deepEquals(e.data.action.params[k], v));

/** Is `key` (`invariant:resource`) among `tolerated`, where a trailing `*` stands for any rest (`counter_drift:key:*`)? */
export const isTolerated = (key: string, tolerated: string[] = []) =>
  tolerated.some((t) => (t.endsWith("*") ? key.startsWith(t.slice(0, -1)) : key === t));

/** Tickets opened among `events` that neither an expected detection nor a tolerated key accounts for. */
export function unexpectedTickets(events: RunEvent[], expected: Detection[], tolerated: string[] = []): TicketSeen[] {
  const allowed = [...expected.map(keyOf), ...tolerated];
  return events.filter((e) => e.type === "ticket_opened" && !isTolerated(keyOf(e.data.ticket), allowed)).map(ticketOf);
}

export const describeTicket = (t: { id: number; invariant: string; resource: string }) => `#${t.id} ${t.invariant} on ${t.resource}`;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The outcome as `--json` shows it (snake_case, ISO times). */
export function outcomeJson(o: ScenarioOutcome) {
  const ticket = (t: TicketSeen) => ({ id: t.id, invariant: t.invariant, resource: t.resource, opened_at: iso(t.openedAt) });
  return {
    scenario: o.scenario,
    kind: o.kind,
    passed: o.passed,
    ...(o.failure ? { failure: o.failure } : {}),
    started_at: iso(o.startedAt),
    finished_at: iso(o.finishedAt),
    took_ms: o.finishedAt - o.startedAt,
    faults: o.faults.map((f) => ({ id: f.id, fault: f.fault, target: f.target, injected_at: iso(f.injectedAt), reverted_at: iso(f.revertedAt) })),
    detections: o.detections.map((d) => ({ invariant: d.expected.invariant, resource: d.expected.resource, ticket: d.ticket ? ticket(d.ticket) : null })),
    unexpected: o.unexpected.map(ticket),
    diagnoses: o.diagnoses.map((d) => ({
      ticket_id: d.ticketId, at: iso(d.at), engine: d.engine, component: d.component, fault_class: d.faultClass, alternatives: d.alternatives, took_ms: d.tookMs,
      ...(d.fallback ? { fallback: d.fallback } : {}), ...(d.usage ? { usage: d.usage } : {}),
    })),
    remedies: o.remedies.map((r) => ({
      action: r.action, action_id: r.actionId, params: r.params, status: r.status, verification: r.verification,
      proposed_at: iso(r.proposedAt), approved_at: iso(r.approvedAt), finished_at: iso(r.finishedAt), verified_at: iso(r.verifiedAt),
    })),
    remedy_held: o.remedyHeld,
    all_clear_at: iso(o.allClearAt),
    ...(o.stopped ? { stopped: o.stopped } : {}),
  };
}
