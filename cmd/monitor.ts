// operator monitor: watch a subject, hold its invariants, keep tickets. The subject's own options
// (e.g. --targets) join this command's table, so the command is built once the subject is known.
import type { CommandDef } from "citty";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { defineOptions, NonNegativeNumber, PositiveDuration, Switch } from "../lib/cli/config.ts";
import { ExitCode } from "../lib/cli/errors.ts";
import { log } from "../lib/cli/log.ts";
import { runMonitor } from "../lib/monitor/monitor.ts";
import { createDiagnosisEngine } from "../lib/diagnosis/engine-options.ts";
import { notifyOptions, notifyTargets, startNotifications } from "../lib/notify/notify-options.ts";
import { loadSubject } from "../lib/subject/registry.ts";
import { applyModeOption, responseOptions, responseStageFrom, secretValues } from "../lib/monitor/response-options.ts";
import { openState } from "../lib/state/state.ts";
import { subjectContext } from "./subject-context.ts";
import { subjectNameIn, subjectOption } from "./subject-selection.ts";

const monitorOptions = defineOptions({
  ...subjectOption,
  interval: { env: "OPERATOR_INTERVAL", default: "2s", schema: PositiveDuration, help: "time from the start of one cycle to the next" },
  once: { env: "OPERATOR_ONCE", schema: Switch, boolean: true, help: "sample the subject for 2 s (every 250 ms), judge one cycle with grace ignored, then exit: 0 healthy, 1 a violation holds, 3 the subject cannot be reached" },
  graceScale: { env: "OPERATOR_GRACE_SCALE", default: "1", schema: NonNegativeNumber, help: "multiplies every invariant's grace period (0 opens tickets at once)" },
  observeTimeout: { env: "OPERATOR_OBSERVE_TIMEOUT", default: "5s", schema: PositiveDuration, help: "an observation that takes longer fails (an error event; a ticket if it persists)" },
  ...stateDirOption,
  ...responseOptions,
  ...notifyOptions,
});

export default async function monitorCommand(argv: string[], env: Record<string, string | undefined>): Promise<CommandDef<any>> {
  const plugin = await loadSubject(subjectNameIn(argv, env));
  return defineOperatorCommand({
    name: "monitor",
    description: `Watch a subject: observe every --interval, check its invariants, open a ticket when a violation outlives its grace, resolve it once clear. Streams events (NDJSON with --json). Options of ${plugin.name}: ${Object.keys(plugin.options).length ? "see below" : "none"}.`,
    examples: [
      "operator monitor",
      "operator monitor --once --json   # health check: exit 0 healthy, 1 violations, 3 unreachable",
      "operator monitor --subject ratelimiter --targets http://127.0.0.1:8081,http://127.0.0.1:8082 --redis-url redis://127.0.0.1:6400 --interval 1s",
      "operator monitor --json | jq -c 'select(.type == \"ticket_opened\")'",
      "operator monitor --mode execute --auto-approve low   # run approved and low-risk actions, verify them",
      "operator monitor --notify alertmanager+http://127.0.0.1:9093 --notify 'slack+https://hooks.slack.com/services/T0/B0/XXXX' --console-url http://127.0.0.1:8090",
    ],
    options: { ...monitorOptions, ...plugin.options },
    // A bad --notify, or --engine llm with no LLM, is exit 2 before anything starts.
    check: ({ options }) => {
      notifyTargets(options);
      createDiagnosisEngine(options);
    },
    async run({ options, out, signal, env }) {
      const secrets = secretValues({ ...monitorOptions, ...plugin.options }, options as Record<string, unknown>);
      const response = responseStageFrom(options, { secrets, subjectDescription: plugin.description });
      const state = openState(options.stateDir);
      const subject = await plugin.open(options as Record<string, unknown>, subjectContext(state.dir, { env, out })).catch((error) => {
        state.close();
        throw error;
      });
      try {
        applyModeOption(state, options, Date.now());
        log.info(`monitor: watching ${subject.name} every ${options.interval} ms${options.once ? " (once, grace ignored)" : ""}; state in ${state.dir}`);
        const notifications = startNotifications(state, options, (type, data, human) => out.event(type, data, human), signal);
        const summary = await runMonitor({
          subject, state, signal, once: options.once, intervalMs: options.interval, graceScale: options.graceScale,
          observeTimeoutMs: options.observeTimeout, emit: (type, data, human) => out.event(type, data, human), stages: [response],
        }).finally(() => notifications.stop());
        if (!options.once) return ExitCode.ok;
        const failure = summary.observationFailure;
        if (failure?.unreachable) return ExitCode.unreachable;
        if (failure) throw failure.error;
        return summary.violations.length > 0 ? ExitCode.unhealthy : ExitCode.ok;
      } finally {
        await subject.close();
        state.close();
      }
    },
  });
}
