// operator tickets list|show|resolve: what the monitor found, and a person closing a ticket by hand.
import type { CommandDef } from "citty";
import * as v from "valibot";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { defineOptions, NonEmptyText, OneOf, PositiveInt } from "../lib/cli/config.ts";
import { usageError } from "../lib/cli/errors.ts";
import { incidentOfTicket } from "../lib/incidents/incidents.ts";
import { withState } from "../lib/state/state.ts";
import { getTicket, listTickets, resolveTicket, ticketJson, ticketTransitions, transitionJson, type Ticket } from "../lib/monitor/tickets.ts";

function ticketId(text: string | undefined): number {
  const parsed = v.safeParse(PositiveInt, text ?? "");
  if (!parsed.success) throw usageError("invalid_ticket_id", `ticket ID "${text}" is not a positive integer: see operator tickets list`);
  return parsed.output;
}

const ago = (ms: number) => {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1_000));
  return s < 120 ? `${s}s ago` : s < 7_200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3_600)}h ago`;
};
const line = (t: Ticket) => `#${t.id}  ${t.status.padEnd(8)} ${t.severity.padEnd(8)} ${t.invariant} on ${t.resource}  opened ${ago(t.openedAt)}  ${t.lastMessage}`;

const list = defineOperatorCommand({
  name: "tickets list",
  description: "List tickets, newest first.",
  examples: ["operator tickets list", "operator tickets list --status open --json | jq '.tickets[].id'"],
  options: defineOptions({
    status: { env: "OPERATOR_TICKET_STATUS", schema: OneOf(["open", "resolved"]), help: "only tickets in this status (open or resolved)" },
    subject: { env: "OPERATOR_SUBJECT", schema: NonEmptyText, help: "only tickets of this subject" },
    ...stateDirOption,
  }),
  run({ options, out }) {
    const tickets = withState(options.stateDir, (state) => listTickets(state, { status: options.status, subject: options.subject }));
    out.result({ tickets: tickets.map(ticketJson) }, () => (tickets.length ? tickets.map(line).join("\n") : "no tickets"));
  },
});

const show = defineOperatorCommand({
  name: "tickets show",
  description: "Show one ticket: its incident, its last message and evidence, and every transition with who and why.",
  examples: ["operator tickets show 3", "operator tickets show 3 --json | jq .ticket.last_evidence"],
  options: defineOptions({ ...stateDirOption }),
  positionals: [{ name: "id", help: "the ticket's number (see operator tickets list)", required: true }],
  run({ options, positionals, out }) {
    const id = ticketId(positionals.id);
    const [ticket, transitions, incident] = withState(options.stateDir, (state) => [getTicket(state, id), ticketTransitions(state, id), incidentOfTicket(state, id)] as const);
    out.result({ ticket: { ...ticketJson(ticket), incident_id: incident?.id ?? null, transitions: transitions.map(transitionJson) } }, () =>
      [
        line(ticket),
        ...(incident ? [`  incident #${incident.id} (operator incidents show ${incident.id})`] : []),
        `  evidence: ${JSON.stringify(ticket.lastEvidence)}`,
        `  seen in ${ticket.occurrences} cycle(s), first ${new Date(ticket.firstSeenAt).toISOString()}, last ${new Date(ticket.updatedAt).toISOString()}`,
        ...transitions.map((t) => `  ${new Date(t.at).toISOString()} ${t.fromStatus ?? "-"} -> ${t.toStatus} by ${t.actor}: ${t.why}`),
      ].join("\n"),
    );
  },
});

const resolve = defineOperatorCommand({
  name: "tickets resolve",
  description: "Resolve a ticket by hand, saying why. If its violation still holds, the monitor opens a new ticket after its grace.",
  examples: ['operator tickets resolve 3 --why "planned maintenance on node b"'],
  options: defineOptions({
    why: { env: "OPERATOR_WHY", schema: NonEmptyText, required: true, help: "why it is resolved: kept in the ticket's audit trail" },
    by: { env: "OPERATOR_ACTOR", schema: NonEmptyText, help: "who resolves it (default: $USER)" },
    ...stateDirOption,
  }),
  positionals: [{ name: "id", help: "the ticket's number (see operator tickets list)", required: true }],
  run({ options, positionals, out, env }) {
    const id = ticketId(positionals.id);
    const actor = options.by ?? env.USER ?? "person";
    const { ticket, changed } = withState(options.stateDir, (state) => resolveTicket(state, id, { now: Date.now(), actor, why: options.why }));
    if (!changed) out.note(`ticket #${id} was already resolved at ${new Date(ticket.resolvedAt!).toISOString()}`);
    out.result({ ticket: ticketJson(ticket), changed }, () => line(ticket));
  },
});

const tickets: CommandDef<any> = {
  meta: { name: "tickets", description: "The tickets the monitor keeps: list, show, resolve." },
  subCommands: { list, show, resolve },
};

export default tickets;
