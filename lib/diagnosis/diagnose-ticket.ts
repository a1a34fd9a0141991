// `operator diagnose TICKET`: observe the subject now, check every invariant, diagnose the ticket
// with the chosen engine, keep the diagnosis with the ticket, and let its incident adopt it.
import type { ProposalOutcome } from "../actions/proposals.ts";
import { unreachableError } from "../cli/errors.ts";
import { adoptDiagnosis } from "../incidents/incident-diagnosis.ts";
import { log } from "../cli/log.ts";
import { checkInvariants } from "../monitor/monitor.ts";
import { observeWithin } from "../monitor/observation.ts";
import type { State } from "../state/state.ts";
import { violationKey, type Subject } from "../subject/subject.ts";
import type { Diagnosis, DiagnosisEngine, DiagnosisTicket } from "./diagnosis.ts";
import { saveDiagnosis } from "./diagnosis-store.ts";

export interface DiagnoseTicketInput<O> {
  state: State;
  subject: Subject<O>;
  subjectDescription?: string;
  ticket: DiagnosisTicket & { status: string };
  engine: DiagnosisEngine;
  observeTimeoutMs: number;
  signal: AbortSignal;
  now: () => number;
}

export interface DiagnoseTicketOutcome {
  diagnosis: Diagnosis;
  /** The incident holding the ticket after the diagnosis (it may have merged others); null without one. */
  incidentId: number | null;
  /** Empty for a resolved ticket: nothing is proposed for a fault that is gone. */
  proposals: ProposalOutcome[];
  /** Does the ticket's violation hold in the observation just made? */
  stillViolated: boolean;
}

export async function diagnoseTicket<O>(input: DiagnoseTicketInput<O>): Promise<DiagnoseTicketOutcome> {
  const { subject, ticket } = input;
  const observed = await observeWithin(subject, input.observeTimeoutMs, input.signal);
  if (!observed.ok) {
    throw unreachableError("observe_failed", `cannot observe ${subject.name} to diagnose ticket ${ticket.id}: ${observed.failure.message}`, { cause: observed.failure.error });
  }
  const { observation } = observed;
  const observedAt = input.now();
  const violations = checkInvariants(subject, observation, observedAt, (source, error) =>
    log.warn(`${source}: ${error instanceof Error ? error.message : String(error)}`),
  );
  const diagnosis = await input.engine.diagnose(
    { ticket, subject, subjectDescription: input.subjectDescription, violations, observation, history: [], now: observedAt },
    input.signal,
  );
  saveDiagnosis(input.state, diagnosis, input.now());
  const { incidentId, proposals } = adoptDiagnosis({ state: input.state, subject, diagnosis, violations, observation, history: [], now: input.now(), propose: ticket.status === "open" });
  return { diagnosis, incidentId, proposals, stillViolated: violations.some((v) => violationKey(v) === violationKey(ticket)) };
}
