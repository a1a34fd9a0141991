// operator mode [observe|execute]: show or set whether approved actions may run.
import { actorOf, actorOptions } from "../lib/actions/actor.ts";
import { getMode, MODES, setMode, type Mode } from "../lib/actions/settings.ts";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { NonEmptyText } from "../lib/cli/config.ts";
import { usageError } from "../lib/cli/errors.ts";
import { withState } from "../lib/state/state.ts";

const modeJson = (m: ReturnType<typeof getMode>) => ({ mode: m.mode, updated_at: m.updatedAt === null ? null : new Date(m.updatedAt).toISOString(), updated_by: m.updatedBy });

export default defineOperatorCommand({
  name: "mode",
  description:
    "Show or set the operator's mode. observe (the default): actions are proposed, never run. " +
    "execute: a running monitor runs approved actions (and those within its --auto-approve). Persisted in the state dir.",
  examples: ["operator mode", "operator mode execute --why 'maintenance window'", "operator mode observe --json"],
  options: { ...stateDirOption, ...actorOptions, why: { schema: NonEmptyText, help: "why, recorded in the audit log" } },
  positionals: [{ name: "mode", help: "observe or execute; omit to show the current mode" }],
  check({ positionals }) {
    const wanted = positionals.mode;
    if (wanted !== undefined && !(MODES as readonly string[]).includes(wanted)) throw usageError("invalid_argument", `mode ${JSON.stringify(wanted)} is not one of ${MODES.join(", ")}`);
  },
  run({ options, positionals, out, env }) {
    return withState(options.stateDir, (state) => {
      const wanted = positionals.mode;
      if (wanted === undefined) {
        const current = getMode(state);
        return out.result(modeJson(current), (m) => `mode: ${m.mode}${m.updated_by ? ` (set by ${m.updated_by} at ${m.updated_at})` : " (default)"}`);
      }
      const actor = actorOf(options.by, env);
      const previous = setMode(state, wanted as Mode, actor, options.why ?? `operator mode ${wanted}`, Date.now());
      out.result({ ...modeJson(getMode(state)), previous_mode: previous }, (m) => `mode: ${m.mode} (was ${previous})`);
    });
  },
});
