// Judges one eval run from what it saw: the scenario runner's outcome and every event of the run
// (one harness per run, so the log holds nothing else). Pure: the scores come from timestamps and
// exact matches, never from an LLM.
import { bindPlaceholders, isSameComponent, type Scenario } from "../scenario/scenario.ts";
import type { RunEvent } from "../scenario/event-log.ts";
import { diagnosisFor, diagnosisOf, judgeDiagnoses, ticketOf, unexpectedTickets, type DiagnosisSeen, type ScenarioOutcome, type TicketSeen } from "../scenario/outcome.ts";
import { rankOf, type RunOutcome } from "./score.ts";

export interface RunContext {
  engine: string;
  repeat: number;
  /** Grace of each invariant as the subject declares it, ms (multiplied by `graceScale` in the run). */
  graceMsOf(invariant: string): number;
  graceScale: number;
}

/** One expected detection and the ticket that answered it in time (null: none did). */
export interface DetectionSeen {
  invariant: string;
  resource: string;
  ticket: TicketSeen | null;
  ttdMs: number | null;
}

/** The run's score and what it was made of (for the report's detail). */
export interface JudgedRun extends RunOutcome {
  failure?: string;
  detections: DetectionSeen[];
  diagnoses: DiagnosisSeen[];
  unexpected: TicketSeen[];
}

const keyOf = (d: { invariant: string; resource: string }) => `${d.invariant}:${d.resource}`;

export function judgeRun(planned: Scenario, outcome: ScenarioOutcome, events: RunEvent[], context: RunContext): JudgedRun {
  // Judged as the runner played it: `{placeholders}` bound to what the faults hit.
  const scenario = bindPlaceholders(planned, outcome.faults.map((f) => f.target));
  const control = scenario.kind === "control";
  const wallMs = outcome.finishedAt - outcome.startedAt;
  const usage = events.filter((e) => e.type === "diagnosis" && e.data.diagnosis.usage).map((e) => e.data.diagnosis.usage as { turns: number; tokens: number });
  const effort = { llmTurns: usage.reduce((n, u) => n + u.turns, 0), tokens: usage.reduce((n, u) => n + u.tokens, 0), wallMs };
  const base = { scenario: scenario.name, engine: context.engine, repeat: context.repeat, control, passed: outcome.passed, effort, ...(outcome.failure ? { failure: outcome.failure } : {}) };
  const expect = scenario.expect;
  if (control || expect.detections.length === 0) {
    const unexpected = unexpectedTickets(events, []);
    return {
      ...base, detected: false, ttdMs: null, ttdMinusGraceMs: null, falsePositives: unexpected.length,
      localizedAt: null, diagnosisExact: false, mitigated: null, ttmMs: null, detections: [], diagnoses: [], unexpected,
    };
  }

  const injectedAt = outcome.faults.length ? Math.min(...outcome.faults.map((f) => f.injectedAt)) : null;
  const opened = events.filter((e) => e.type === "ticket_opened").map(ticketOf);
  // As the runner does: any matching ticket of the run up to the deadline. A fault whose injection
  // takes a while (filling a disk) may open its ticket before the injection returned: ttd 0.
  const detections: DetectionSeen[] = expect.detections.map((d) => {
    const ticket = injectedAt === null ? undefined : opened.find((t) => keyOf(t) === keyOf(d) && t.openedAt - injectedAt <= expect.deadlineMs);
    return { invariant: d.invariant, resource: d.resource, ticket: ticket ?? null, ttdMs: ticket && injectedAt !== null ? Math.max(0, ticket.openedAt - injectedAt) : null };
  });
  const first = detections.filter((d) => d.ttdMs !== null).sort((a, b) => a.ttdMs! - b.ttdMs!)[0];
  const ttdMs = first?.ttdMs ?? null;

  const expectedKeys = new Set(expect.detections.map(keyOf));
  // An expected ticket that joined an incident is covered by the incident's diagnosis.
  const covering = detections.flatMap((d) => (d.ticket ? [diagnosisFor(events, d.ticket.id)] : []));
  const diagnoses = [...new Set([...events.filter((e) => e.type === "diagnosis" && expectedKeys.has(keyOf(e.data.ticket))), ...covering])]
    .flatMap((e) => (e ? [e] : [])).sort((a, b) => a.at - b.at).map(diagnosisOf);
  const rankIn = (component: string, d: DiagnosisSeen) => rankOf([d.component, ...d.alternatives], (n) => isSameComponent(component, n, expect.aliases));
  const ranks = expect.components.map((c) => Math.min(...diagnoses.map((d) => rankIn(c, d) ?? Infinity)));
  const worst = ranks.length ? Math.max(...ranks) : Infinity;

  const remedy = scenario.remedy ?? [];
  const verified = outcome.remedies.filter((r) => r.verification === "verified");
  // The runner required every step it ran to succeed and each ticket's last step to clear it; remedyHeld says it got through.
  const mitigated = remedy.length === 0 ? null : outcome.remedies.length >= remedy.length && outcome.remedyHeld === true;
  const approvals = outcome.remedies.flatMap((r) => (r.approvedAt === null ? [] : [r.approvedAt]));
  const clears = verified.flatMap((r) => (r.verifiedAt === null ? [] : [r.verifiedAt]));
  const unexpected = unexpectedTickets(events, expect.detections, expect.tolerated);

  return {
    ...base,
    detected: detections.every((d) => d.ticket !== null),
    ttdMs,
    ttdMinusGraceMs: first && ttdMs !== null ? Math.max(0, Math.round(ttdMs - context.graceMsOf(first.invariant) * context.graceScale)) : null,
    falsePositives: unexpected.length,
    localizedAt: Number.isFinite(worst) ? worst : null,
    diagnosisExact: diagnoses.length > 0 && judgeDiagnoses(diagnoses, expect) === undefined,
    mitigated,
    ttmMs: mitigated && approvals.length && clears.length ? Math.max(...clears) - Math.min(...approvals) : null,
    detections,
    diagnoses,
    unexpected,
  };
}
