// operator kill-switch: cancel every pending action and fall back to observe, at once.
import { actionJson } from "../lib/actions/action-store.ts";
import { actorOf, actorOptions } from "../lib/actions/actor.ts";
import { engageKillSwitch } from "../lib/actions/settings.ts";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { NonEmptyText } from "../lib/cli/config.ts";
import { withState } from "../lib/state/state.ts";

export default defineOperatorCommand({
  name: "kill-switch",
  description:
    "Stop the operator acting: cancel every pending action (proposed or approved) and set mode observe, in one " +
    "transaction. Running monitors obey it within one cycle. Actions already executing cannot be called back; they are listed.",
  examples: ["operator kill-switch --why 'actions are making it worse'", "operator kill-switch --json | jq '.cancelled'"],
  options: { ...stateDirOption, ...actorOptions, why: { schema: NonEmptyText, default: "kill switch engaged", help: "why, recorded in the audit log" } },
  run({ options, out, env }) {
    withState(options.stateDir, (state) => {
      const outcome = engageKillSwitch(state, actorOf(options.by, env), options.why, Date.now());
      const doc = {
        mode: "observe",
        previous_mode: outcome.previousMode,
        cancelled: outcome.cancelled.map(actionJson),
        executing: outcome.executing.map(actionJson),
      };
      out.result(doc, () =>
        [
          `kill switch engaged: mode observe (was ${outcome.previousMode}), ${outcome.cancelled.length} pending action(s) cancelled` +
            (outcome.cancelled.length ? `: ${outcome.cancelled.map((a) => `#${a.id} ${a.name}`).join(", ")}` : ""),
          ...outcome.executing.map((a) => `still executing (cannot be called back, check it): #${a.id} ${a.name} ${JSON.stringify(a.params)}`),
        ].join("\n"),
      );
    });
  },
});
