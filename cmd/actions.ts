// operator actions list|show|approve|reject: what the operator proposed, and a person's decisions.
import { defineCommand } from "citty";
import { ACTION_STATUSES, actionJson, getAction, listActions, PENDING_STATUSES, type ActionStatus } from "../lib/actions/action-store.ts";
import { actorOf, actorOptions } from "../lib/actions/actor.ts";
import { approveAction, parseActionId, rejectAction, resolveReviewedAction } from "../lib/actions/approval.ts";
import { auditJson, listAudit } from "../lib/actions/audit-log.ts";
import { getMode } from "../lib/actions/settings.ts";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { List, NonEmptyText, PositiveInt } from "../lib/cli/config.ts";
import { usageError } from "../lib/cli/errors.ts";
import { withState } from "../lib/state/state.ts";
import * as v from "valibot";

const Statuses = v.pipe(
  List,
  v.transform((items) => items.flatMap((s) => (s === "pending" ? [...PENDING_STATUSES] : [s]))),
  v.check((items) => items.every((s) => (ACTION_STATUSES as readonly string[]).includes(s)), `is not a list of pending, ${ACTION_STATUSES.join(", ")}`),
);

const line = (a: ReturnType<typeof actionJson>) =>
  `#${a.id} ${a.status.padEnd(12)} ${a.risk.padEnd(6)} ${a.name} ${JSON.stringify(a.params)}${a.ticket_id !== null ? ` (ticket #${a.ticket_id})` : ""}${a.verification ? ` [${a.verification}]` : ""}`;

const list = defineOperatorCommand({
  name: "actions list",
  description: "List actions, oldest first: proposed by a diagnosis, approved, run, verified.",
  examples: ["operator actions list --status pending", "operator actions list --ticket 4 --json"],
  options: {
    ...stateDirOption,
    status: { schema: Statuses, help: "only these statuses, comma-separated (pending = proposed,approved)" },
    ticket: { schema: PositiveInt, help: "only actions for this ticket" },
  },
  run({ options, out }) {
    withState(options.stateDir, (state) => {
      const actions = listActions(state, { ...(options.status ? { statuses: options.status as ActionStatus[] } : {}), ...(options.ticket ? { ticketId: options.ticket } : {}) });
      const mode = getMode(state).mode;
      out.result({ mode, actions: actions.map(actionJson) }, (doc) => [`mode: ${doc.mode}`, ...(doc.actions.length ? doc.actions.map(line) : ["no actions"])].join("\n"));
    });
  },
});

const show = defineOperatorCommand({
  name: "actions show",
  description: "Show one action and its audit trail.",
  examples: ["operator actions show 3 --json"],
  options: { ...stateDirOption },
  positionals: [{ name: "id", help: "the action's ID (operator actions list)", required: true }],
  run({ options, positionals, out }) {
    withState(options.stateDir, (state) => {
      const id = parseActionId(positionals.id);
      const action = getAction(state, id);
      if (!action) throw usageError("no_such_action", `no action ${id}: see operator actions list`);
      const trail = listAudit(state, { entity: "action", entityId: String(id) }).map(auditJson);
      out.result({ action: actionJson(action), audit: trail }, (doc) =>
        [
          line(doc.action),
          `  proposed by ${doc.action.proposed_by}: ${doc.action.why}`,
          ...(doc.action.result ? [`  result: ${doc.action.result.ok ? "ok" : "failed"}: ${doc.action.result.message}`] : []),
          ...doc.audit.map((e) => `  ${e.at} ${e.actor} ${e.event}: ${e.why}`),
        ].join("\n"),
      );
    });
  },
});

const decision = (verb: "approve" | "reject") =>
  defineOperatorCommand({
    name: `actions ${verb}`,
    description:
      verb === "approve"
        ? "Approve a proposed action. It runs when a monitor in execute mode picks it up (operator mode execute)."
        : "Reject a proposed or approved action: it will never run.",
    examples: [`operator actions ${verb} 3 --why '${verb === "approve" ? "node b is really down" : "not during peak"}'`],
    options: { ...stateDirOption, ...actorOptions, why: { schema: NonEmptyText, required: true, help: "why, recorded in the audit log" } },
    positionals: [{ name: "id", help: "the action's ID (operator actions list)", required: true }],
    run({ options, positionals, out, env }) {
      withState(options.stateDir, (state) => {
        const id = parseActionId(positionals.id);
        const act = verb === "approve" ? approveAction : rejectAction;
        const action = act(state, id, actorOf(options.by, env), options.why, Date.now());
        const mode = getMode(state).mode;
        out.result({ action: actionJson(action), mode }, (doc) =>
          [
            `${line(doc.action)}`,
            ...(verb === "approve" && mode === "observe" ? ["mode is observe: it runs after operator mode execute, by a running monitor"] : []),
          ].join("\n"),
        );
      });
    },
  });

const resolve = defineOperatorCommand({
  name: "actions resolve",
  description:
    "Close an action left needs_review (it was executing when its monitor died, so it may or may not have run) after checking the system yourself.",
  examples: ["operator actions resolve 5 --outcome succeeded --why 'node b answers and its uptime shows the restart'"],
  options: {
    ...stateDirOption,
    ...actorOptions,
    outcome: { schema: v.picklist(["succeeded", "failed"], "is not succeeded or failed"), required: true, help: "what you found: succeeded (it took effect) or failed" },
    why: { schema: NonEmptyText, required: true, help: "what you checked, recorded in the audit log" },
  },
  positionals: [{ name: "id", help: "the action's ID (operator actions list --status needs_review)", required: true }],
  run({ options, positionals, out, env }) {
    withState(options.stateDir, (state) => {
      const action = resolveReviewedAction(state, parseActionId(positionals.id), options.outcome, actorOf(options.by, env), options.why, Date.now());
      out.result({ action: actionJson(action) }, (doc) => line(doc.action));
    });
  },
});

export default defineCommand({
  meta: { name: "actions", description: "Proposed, approved and finished actions: list, show, approve, reject, resolve." },
  subCommands: { list, show, approve: decision("approve"), reject: decision("reject"), resolve },
});
