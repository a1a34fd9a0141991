// operator incidents list|show: the open tickets one root cause explains, as one page each.
import type { CommandDef } from "citty";
import * as v from "valibot";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { defineOptions, NonEmptyText, OneOf, PositiveInt } from "../lib/cli/config.ts";
import { usageError } from "../lib/cli/errors.ts";
import { incidentDetail, incidentSnapshot, getIncident, listIncidents, type IncidentSnapshot } from "../lib/incidents/incidents.ts";
import { withState } from "../lib/state/state.ts";

function incidentId(text: string | undefined): number {
  const parsed = v.safeParse(PositiveInt, text ?? "");
  if (!parsed.success) throw usageError("invalid_incident_id", `incident ID "${text}" is not a positive integer: see operator incidents list`);
  return parsed.output;
}

const cause = (i: IncidentSnapshot) => (i.root_cause ? `${i.root_cause.component} (${i.root_cause.fault_class})` : i.diagnosis ? "no cause found that explains it" : "not yet diagnosed");
const line = (i: IncidentSnapshot) =>
  `#${i.id}  ${i.status.padEnd(8)} ${i.severity.padEnd(8)} ${cause(i)}  ${i.tickets.filter((t) => t.status === "open").length} open of ${i.tickets.length} ticket(s)  opened ${i.opened_at}`;

const list = defineOperatorCommand({
  name: "incidents list",
  description: "List incidents, newest first: each is the tickets one root cause explains (incidents merged into another are left out).",
  examples: ["operator incidents list --status open", "operator incidents list --json | jq '.incidents[] | {id, root_cause}'"],
  options: defineOptions({
    status: { env: "OPERATOR_INCIDENT_STATUS", schema: OneOf(["open", "resolved"]), help: "only incidents in this status (open or resolved)" },
    subject: { env: "OPERATOR_SUBJECT", schema: NonEmptyText, help: "only incidents of this subject" },
    ...stateDirOption,
  }),
  run({ options, out }) {
    const incidents = withState(options.stateDir, (state) => listIncidents(state, { status: options.status, subject: options.subject }).map((i) => incidentSnapshot(state, i)));
    out.result({ incidents }, () => (incidents.length ? incidents.map(line).join("\n") : "no incidents"));
  },
});

const show = defineOperatorCommand({
  name: "incidents show",
  description: "Show one incident: its root cause, its tickets, the diagnosis with its evidence and the alternatives ruled out, and its actions.",
  examples: ["operator incidents show 2", "operator incidents show 2 --json | jq '.tickets[].resource'"],
  options: defineOptions({ ...stateDirOption }),
  positionals: [{ name: "id", help: "the incident's number (see operator incidents list)", required: true }],
  run({ options, positionals, out }) {
    const id = incidentId(positionals.id);
    const doc = withState(options.stateDir, (state) => incidentDetail(state, getIncident(state, id)));
    out.result(doc, () =>
      [
        line(doc),
        ...(doc.merged_into !== null ? [`  merged into incident #${doc.merged_into}`] : []),
        ...(doc.root_cause ? [`  ${doc.root_cause.summary}`] : []),
        ...(doc.diagnosis ? [`  diagnosis (${doc.diagnosis.engine}, confidence ${doc.diagnosis.confidence}):`, ...doc.diagnosis.evidence.map((e) => `    - ${e}`)] : []),
        "  tickets:",
        ...doc.tickets.map((t) => `    #${t.id} ${t.status.padEnd(8)} ${t.severity.padEnd(8)} ${t.invariant} on ${t.resource}`),
        ...(doc.actions.length ? ["  actions:", ...doc.actions.map((a) => `    #${a.id} ${a.status.padEnd(12)} ${a.name} ${JSON.stringify(a.params)} (${a.risk} risk)`)] : ["  actions: none"]),
      ].join("\n"),
    );
  },
});

const incidents: CommandDef<any> = {
  meta: { name: "incidents", description: "Incidents: the open tickets one root cause explains, one page each: list, show." },
  subCommands: { list, show },
};

export default incidents;
