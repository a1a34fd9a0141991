// operator diagnose TICKET: why a ticket's violation happened and what would fix it.
import type { CommandDef } from "citty";
import { actionJson } from "../lib/actions/action-store.ts";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { defineOptions, PositiveDuration } from "../lib/cli/config.ts";
import { diagnoseTicket } from "../lib/diagnosis/diagnose-ticket.ts";
import { diagnosisJson, renderDiagnosis } from "../lib/diagnosis/diagnosis.ts";
import { createDiagnosisEngine, diagnosisOptions } from "../lib/diagnosis/engine-options.ts";
import { usageError } from "../lib/cli/errors.ts";
import { loadSubject } from "../lib/subject/registry.ts";
import { secretValues } from "../lib/monitor/response-options.ts";
import { openState } from "../lib/state/state.ts";
import { subjectContext } from "./subject-context.ts";
import { subjectForTicket, subjectOption } from "./subject-selection.ts";
import { getTicket } from "../lib/monitor/tickets.ts";

const diagnoseOptions = defineOptions({
  subject: { ...subjectOption.subject, default: undefined, help: "the ticket's subject; default: the one the ticket records (another one is an error)" },
  ...stateDirOption,
  ...diagnosisOptions,
  observeTimeout: { env: "OPERATOR_OBSERVE_TIMEOUT", default: "5s", schema: PositiveDuration, help: "longest the fresh observation may take" },
});

export default async function diagnoseCommand(argv: string[], env: Record<string, string | undefined>): Promise<CommandDef<any>> {
  // The ticket knows its subject: its plugin's options (and local deployment) are the ones that apply.
  const plugin = await loadSubject(subjectForTicket(argv, env));
  return defineOperatorCommand({
    name: "diagnose",
    description:
      "Diagnose a ticket: observe the subject now, name the root-cause component with evidence, the alternatives ruled out and the actions that would fix it. " +
      "The ticket's own subject is used (no --subject needed). The diagnosis is kept with the ticket and becomes its incident's; for an open ticket its actions are proposed, once per incident (operator actions list).",
    examples: ["operator diagnose 4", "operator diagnose 4 --json | jq .root_cause", "OPERATOR_LLM=anthropic ANTHROPIC_API_KEY=... operator diagnose 4 --engine llm"],
    options: { ...diagnoseOptions, ...plugin.options },
    positionals: [{ name: "ticket", help: "the ticket's ID (operator tickets list)", required: true }],
    check: ({ options }) => void createDiagnosisEngine(options),
    async run({ options, positionals, out, signal, env }) {
      const text = positionals.ticket!;
      if (!/^\d+$/.test(text)) throw usageError("invalid_argument", `ticket ID ${JSON.stringify(text)} is not a number: see operator tickets list`);
      const engine = createDiagnosisEngine(options, secretValues({ ...diagnoseOptions, ...plugin.options }, options as Record<string, unknown>));
      const state = openState(options.stateDir);
      try {
        const ticket = getTicket(state, Number(text));
        if (ticket.subject !== plugin.name) throw usageError("wrong_subject", `ticket ${ticket.id} is about subject ${ticket.subject}, not ${plugin.name}: drop --subject (the ticket knows its subject)`);
        const subject = await plugin.open(options as Record<string, unknown>, subjectContext(state.dir, { env, out }));
        try {
          const outcome = await diagnoseTicket({
            state, subject, engine, signal, now: Date.now, subjectDescription: plugin.description, observeTimeoutMs: options.observeTimeout,
            ticket: { id: ticket.id, invariant: ticket.invariant, resource: ticket.resource, severity: ticket.severity, message: ticket.lastMessage, evidence: ticket.lastEvidence, status: ticket.status },
          });
          const doc = { ...diagnosisJson(outcome.diagnosis), incident_id: outcome.incidentId, proposed_actions: outcome.proposals.map((p) => actionJson(p.record)) };
          out.result(doc, () =>
            [
              renderDiagnosis(diagnosisJson(outcome.diagnosis)),
              ...(outcome.incidentId !== null ? [`  incident #${outcome.incidentId}: operator incidents show ${outcome.incidentId}`] : []),
              ...outcome.proposals.map((p) => `  action #${p.record.id} ${p.created ? "proposed" : "already pending"}: ${p.record.name} (${p.record.risk} risk): operator actions approve ${p.record.id} --why ...`),
              ...(ticket.status !== "open" ? [`  ticket ${ticket.id} is ${ticket.status}: no actions proposed`] : []),
            ].join("\n"),
          );
        } finally {
          await subject.close();
        }
      } finally {
        state.close();
      }
    },
  });
}
