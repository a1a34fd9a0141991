// operator audit: every transition of actions and the mode, with who and why.
import { auditJson, listAudit } from "../lib/actions/audit-log.ts";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { PositiveInt } from "../lib/cli/config.ts";
import { withState } from "../lib/state/state.ts";

export default defineOperatorCommand({
  name: "audit",
  description: "Show the audit log: every action transition, mode change and kill switch, with who did it and why (oldest first).",
  examples: ["operator audit", "operator audit --action 3", "operator audit --limit 20 --json | jq '.entries[] | [.actor, .event, .why]'"],
  options: {
    ...stateDirOption,
    action: { schema: PositiveInt, help: "only this action's entries" },
    limit: { default: "200", schema: PositiveInt, help: "the newest N entries" },
  },
  run({ options, out }) {
    withState(options.stateDir, (state) => {
      const entries = listAudit(state, { limit: options.limit, ...(options.action !== undefined ? { entity: "action", entityId: String(options.action) } : {}) });
      out.result({ entries: entries.map(auditJson) }, ({ entries }) =>
        entries.length === 0
          ? "no audit entries"
          : entries
              .map((e) => `${e.at} ${e.actor} ${e.entity}${e.entity_id ? ` #${e.entity_id}` : ""} ${e.event}${e.from ? ` (${e.from} → ${e.to})` : ""}: ${e.why}`)
              .join("\n"),
      );
    });
  },
});
