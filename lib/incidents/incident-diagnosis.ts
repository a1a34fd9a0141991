// A diagnosis concluded for a ticket becomes its incident's: the cause it names (and what that cause
// explains, in the subject's rules) may merge incidents, and its recommendations become the
// incident's one set of proposed actions. The monitor and `operator diagnose` both come here.
import { listActions, PENDING_STATUSES, type ActionRecord } from "../actions/action-store.ts";
import { proposeRecommended, type ProposalOutcome } from "../actions/proposals.ts";
import { causeExplains } from "../diagnosis/builtin-engine.ts";
import { diagnosisJson, type Diagnosis, type DiagnosingSubject } from "../diagnosis/diagnosis.ts";
import { applyDiagnosis, incidentTickets } from "./incidents.ts";
import type { State } from "../state/state.ts";
import { violationKey, type Violation } from "../subject/subject.ts";
import { listTickets } from "../monitor/tickets.ts";

export interface Adoption {
  /** The incident holding the ticket afterwards; null for a ticket with no incident. */
  incidentId: number | null;
  proposals: ProposalOutcome[];
}

export function adoptDiagnosis<O>(input: {
  state: State;
  subject: DiagnosingSubject<O>;
  diagnosis: Diagnosis;
  violations: Violation[];
  observation: O;
  history: { at: number; observation: O }[];
  now: number;
  /** False for a resolved ticket: nothing is proposed for a fault that is gone. */
  propose: boolean;
  /** How long a proposal waits for a person before it expires (ms); the proposals' default otherwise. */
  ttlMs?: number;
}): Adoption {
  const { state, subject, diagnosis } = input;
  // The open tickets count as violations too: one that blinked out of this cycle's check (a key
  // outside this cycle's sample) is still a fault the cause may explain, and may merge with it.
  const seen = new Set(input.violations.map(violationKey));
  const carried = listTickets(state, { subject: subject.name, status: "open" }).filter((t) => !seen.has(t.key))
    .map((t): Violation => ({ invariant: t.invariant, resource: t.resource, severity: t.severity, message: t.lastMessage, evidence: t.lastEvidence }));
  const violations = [...input.violations, ...carried];
  const explains = causeExplains({ subject, observation: input.observation, history: input.history, now: input.now, violations }, diagnosis.rootCause.component, diagnosis.faultClass);
  const applied = applyDiagnosis(
    state,
    { ticketId: diagnosis.ticketId, component: diagnosis.rootCause.component, faultClass: diagnosis.faultClass, summary: diagnosis.rootCause.summary, explains, diagnosis: diagnosisJson(diagnosis) },
    subject.faultClasses,
    input.now,
  );
  const incidentId = applied?.incident.id ?? null;
  // A cause that does not explain its own ticket, or an incident already over, proposes nothing.
  if (!input.propose || (applied && (applied.incident.status !== "open" || !applied.explained))) return { incidentId, proposals: [] };
  // One set of actions per incident: what one of its tickets already has pending is that, not a new proposal.
  const keyOf = (a: { name: string; params: unknown }) => `${a.name}${JSON.stringify(a.params)}`;
  const pending = new Map((applied ? pendingActions(state, applied.incident.id) : []).map((a) => [keyOf(a), a]));
  const known = diagnosis.recommendedActions.flatMap((a) => (pending.has(keyOf(a)) ? [{ record: pending.get(keyOf(a))!, created: false }] : []));
  const fresh = { ...diagnosis, recommendedActions: diagnosis.recommendedActions.filter((a) => !pending.has(keyOf(a))) };
  return { incidentId, proposals: [...known, ...proposeRecommended(state, { subject: subject.name, definitions: subject.actions(), diagnosis: fresh, now: input.now, ...(input.ttlMs !== undefined ? { ttlMs: input.ttlMs } : {}) })] };
}

/** The actions still pending (proposed or approved) for an incident's tickets. */
function pendingActions(state: State, incidentId: number): ActionRecord[] {
  const ids = new Set(incidentTickets(state, incidentId).map((t) => t.id));
  return listActions(state, { statuses: PENDING_STATUSES }).filter((a) => a.ticketId !== null && ids.has(a.ticketId));
}
