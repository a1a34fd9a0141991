// `operator diagnose TICKET`: observe the subject now, check every invariant, diagnose the ticket
// with the chosen engine, keep the diagnosis with the ticket and propose what it recommends.
import { proposeRecommended, type ProposalOutcome } from "../actions/proposals.ts";
import { unreachableError } from "../errors.ts";
import { log } from "../log.ts";
import type { State } from "../state.ts";
import { violationKey, type Subject, type Violation } from "../subject.ts";
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
  /** Empty for a resolved ticket: nothing is proposed for a fault that is gone. */
  proposals: ProposalOutcome[];
  /** Does the ticket's violation hold in the observation just made? */
  stillViolated: boolean;
}

function checkAll<O>(subject: Subject<O>, observation: O, now: number): Violation[] {
  const byKey = new Map<string, Violation>();
  for (const invariant of subject.invariants) {
    try {
      for (const v of invariant.check(observation, now)) if (!byKey.has(violationKey(v))) byKey.set(violationKey(v), v);
    } catch (error) {
      log.warn(`invariant ${invariant.name} failed and was skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return [...byKey.values()];
}

export async function diagnoseTicket<O>(input: DiagnoseTicketInput<O>): Promise<DiagnoseTicketOutcome> {
  const { subject, ticket } = input;
  const deadline = AbortSignal.any([input.signal, AbortSignal.timeout(input.observeTimeoutMs)]);
  let observation: O;
  try {
    observation = await subject.observe(deadline);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    throw unreachableError("observe_failed", `cannot observe ${subject.name} to diagnose ticket ${ticket.id}: ${deadline.aborted ? `no answer within ${input.observeTimeoutMs} ms` : text}`, { cause: error });
  }
  const observedAt = input.now();
  const violations = checkAll(subject, observation, observedAt);
  const diagnosis = await input.engine.diagnose(
    { ticket, subject, subjectDescription: input.subjectDescription, violations, observation, history: [], now: observedAt },
    input.signal,
  );
  saveDiagnosis(input.state, diagnosis, input.now());
  const proposals = ticket.status === "open" ? proposeRecommended(input.state, { subject: subject.name, definitions: subject.actions(), diagnosis, now: input.now() }) : [];
  return { diagnosis, proposals, stillViolated: violations.some((v) => violationKey(v) === violationKey(ticket)) };
}
