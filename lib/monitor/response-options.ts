// The monitor's flags for responding to tickets (diagnosis, the gate, verification) in one table,
// and the stage they configure. The mode flag is persisted at start, like `operator mode`.
import { AUTO_APPROVE_LEVELS } from "../actions/gate.ts";
import { MODES, setMode } from "../actions/settings.ts";
import { defineOptions, OneOf, PositiveDuration, Switch, type OptionTable, type ResolvedOptions } from "../cli/config.ts";
import { createDiagnosisEngine, diagnosisOptions } from "../diagnosis/engine-options.ts";
import { createResponseStage } from "./response-stage.ts";
import type { State } from "../state/state.ts";

export const responseOptions = defineOptions({
  diagnose: { env: "OPERATOR_DIAGNOSE", default: "true", schema: Switch, boolean: true, help: "diagnose each new incident once and propose its actions (--no-diagnose to only keep tickets and incidents)" },
  ...diagnosisOptions,
  mode: { env: "OPERATOR_MODE", schema: OneOf(MODES), help: "set the mode at start, persisted (as operator mode does): observe proposes only; execute runs approved actions" },
  autoApprove: { env: "OPERATOR_AUTO_APPROVE", default: "none", schema: OneOf(AUTO_APPROVE_LEVELS), help: "in execute mode, approve actions up to this risk without a person (high risk always waits)" },
  verifyWithin: { env: "OPERATOR_VERIFY_WITHIN", default: "30s", schema: PositiveDuration, help: "after an action, how long its ticket's violation has to clear for verified" },
  actionTimeout: { env: "OPERATOR_ACTION_TIMEOUT", default: "15s", schema: PositiveDuration, help: "longest one action may run before it counts as failed" },
  proposalTtl: { env: "OPERATOR_PROPOSAL_TTL", default: "15m", schema: PositiveDuration, help: "a proposed action not approved within this long expires (an approval must not act on old evidence)" },
});

export type ResponseOptions = ResolvedOptions<typeof responseOptions>;

/** The values of every secret option (tokens, passwords, keys): what must never reach an LLM. */
export function secretValues(table: OptionTable, options: Record<string, unknown>): string[] {
  return Object.entries(table)
    .filter(([key, spec]) => spec.secret && typeof options[key] === "string")
    .map(([key]) => options[key] as string);
}

/** `--mode`, when given: persisted and audited, so every monitor and `operator mode` agree. */
export function applyModeOption(state: State, options: Pick<ResponseOptions, "mode">, now: number): void {
  if (options.mode) setMode(state, options.mode, "monitor", `started with --mode ${options.mode}`, now);
}

/** The stage that responds to tickets; a usage error (e.g. --engine llm with no LLM) before anything starts. */
export function responseStageFrom<O>(options: ResponseOptions, context: { secrets: string[]; subjectDescription?: string }) {
  return createResponseStage<O>({
    diagnose: options.diagnose,
    engine: createDiagnosisEngine(options, context.secrets),
    subjectDescription: context.subjectDescription,
    autoApprove: options.autoApprove,
    actionTimeoutMs: options.actionTimeout,
    verifyWithinMs: options.verifyWithin,
    proposalTtlMs: options.proposalTtl,
  });
}
