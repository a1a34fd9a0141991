// A diagnosis's recommendations become proposed actions: only defined actions whose params pass
// their schema, each recorded once per ticket, with the engine as the one who proposed it.
import type { Diagnosis } from "../diagnosis/diagnosis.ts";
import { log } from "../cli/log.ts";
import type { State } from "../state/state.ts";
import type { ActionDefinition } from "../subject/subject.ts";
import { checkCall } from "./action-call.ts";
import { proposeAction, type ActionRecord } from "./action-store.ts";

export interface ProposalOutcome {
  record: ActionRecord;
  /** False when the same action was already pending for this ticket. */
  created: boolean;
}

export function proposeRecommended(state: State, input: { subject: string; definitions: ActionDefinition[]; diagnosis: Diagnosis; now: number; ttlMs?: number }): ProposalOutcome[] {
  const { diagnosis } = input;
  const actor = `diagnosis:${diagnosis.engine}${diagnosis.model ? ` (${diagnosis.model})` : ""}`;
  return diagnosis.recommendedActions.flatMap((recommended) => {
    const call = checkCall(input.definitions, "action", recommended.name, recommended.params);
    if (!call.ok) {
      log.warn(`not proposed: ${call.reason}`);
      return [];
    }
    return [
      proposeAction(state, {
        subject: input.subject,
        ticketId: diagnosis.ticketId,
        name: call.definition.name,
        params: call.params,
        risk: call.definition.risk,
        why: recommended.why,
        actor,
        now: input.now,
        ...(input.ttlMs !== undefined ? { ttlMs: input.ttlMs } : {}),
      }),
    ];
  });
}
