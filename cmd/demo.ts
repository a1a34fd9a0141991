// operator demo <subject>: the subject's chapters end to end on a local cluster, self-checked; a live
// view on a terminal (Enter advances, or --auto), NDJSON events otherwise.
import { defineOperatorCommand } from "../lib/cli/cli.ts";
import { List, NonEmptyText, Switch } from "../lib/cli/config.ts";
import { prepareDemoDir } from "../lib/demo/demo-dir.ts";
import { renderSummary, runDemo, selectChapters, summaryJson } from "../lib/demo/run-demo.ts";
import { LiveScreen, listenForKeys } from "../lib/demo/terminal.ts";
import { createBuiltinEngine } from "../lib/diagnosis/builtin-engine.ts";
import { ExitCode, usageError } from "../lib/cli/errors.ts";
import { setLogLevel } from "../lib/cli/log.ts";
import { createOutput } from "../lib/cli/output.ts";
import { DEFAULT_SUBJECT, loadSubject } from "../lib/subject/registry.ts";
import { selfCommand } from "./self-command.ts";

export default defineOperatorCommand({
  name: "demo",
  description:
    "Run a subject's demo: a local cluster, load, then one fault per chapter that the operator must detect, diagnose and (approved) repair, " +
    "each checked with a deadline. A live view on a terminal (Enter starts each chapter); NDJSON events (chapter_started, chapter_passed, " +
    "chapter_failed and the monitor's) when not on a terminal or with --json. Exit 0 when every chapter passed, 1 when one failed, 130 on Ctrl-C " +
    "(faults reverted, everything it started stopped).",
  examples: ["operator demo ratelimiter --auto", "operator demo ratelimiter --json --chapters cluster-up,node-kill,teardown | jq -c 'select(.type | startswith(\"chapter_\"))'"],
  options: {
    auto: { env: "OPERATOR_DEMO_AUTO", schema: Switch, boolean: true, help: "go on to the next chapter by itself instead of waiting for Enter" },
    chapters: { env: "OPERATOR_DEMO_CHAPTERS", schema: List, help: "only these chapters, comma-separated, in the demo's order (default: all)" },
    stateDir: { env: "OPERATOR_DEMO_STATE_DIR", default: "./.operator-demo", schema: NonEmptyText, help: "the demo's own state dir: new, empty, or one an earlier demo used (its state is replaced)" },
  },
  positionals: [{ name: "subject", help: `the subject whose demo to run (default ${DEFAULT_SUBJECT})` }],
  async check({ options, positionals }) {
    const plugin = await loadSubject(positionals.subject ?? DEFAULT_SUBJECT);
    if (!plugin.demo) throw usageError("no_demo", `subject ${plugin.name} has no demo yet: try operator demo ${DEFAULT_SUBJECT}`);
    selectChapters(plugin.demo, options.chapters);
  },
  async run({ options, positionals, out, env, signal }) {
    const plugin = await loadSubject(positionals.subject ?? DEFAULT_SUBJECT);
    const plan = plugin.demo!;
    const chapters = selectChapters(plan, options.chapters);
    const live = !options.json && process.stdout.isTTY === true;
    const interactive = live && process.stdin.isTTY === true && !options.auto;
    const stream = live ? undefined : createOutput({ json: true });
    const stateDir = await prepareDemoDir(options.stateDir, { env, selfCommand: selfCommand(), signal, note: out.note });

    const screen = live ? new LiveScreen((text) => void process.stdout.write(text), plugin.name, plan.title, () => ({ columns: process.stdout.columns, rows: process.stdout.rows })) : undefined;
    let enter: (() => void) | undefined;
    const stopKeys = live && process.stdin.isTTY ? listenForKeys(process.stdin, { onEnter: () => enter?.(), onInterrupt: () => process.kill(process.pid, "SIGINT") }) : undefined;
    if (screen) {
      setLogLevel({ quiet: true });
      screen.start();
    }
    const advance = (_chapter: unknown, index: number) => {
      if (!interactive) {
        screen?.prompt(`--auto: chapter ${index + 1} of ${chapters.length} runs by itself · Ctrl-C stops and cleans up`);
        return Promise.resolve();
      }
      screen?.prompt(`Press Enter to start chapter ${index + 1} of ${chapters.length} · Ctrl-C stops and cleans up`);
      return new Promise<void>((resolve) => {
        enter = () => resolve(screen?.prompt(`chapter ${index + 1} running · Ctrl-C stops and cleans up`));
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    };
    try {
      const result = await runDemo({
        plugin, plan, chapters, stateDir, env, selfCommand: selfCommand(), signal, engine: createBuiltinEngine(), actor: "demo",
        note: live ? () => {} : out.note,
        emit: (type, data, human) => (screen ? screen.onEvent(type, data) : stream!.event(type, data, human)),
        advance,
        onHarness: (harness) => screen?.watchHealth(() => harness.parts()),
      });
      screen?.stop();
      if (stream) stream.event("demo_finished", summaryJson(result));
      else process.stdout.write(`${renderSummary(result)}\nstate (tickets, actions, audit): ${stateDir}\n`);
      if (result.interrupted) return ExitCode.interrupted;
      return result.outcomes.every((o) => o.passed) ? ExitCode.ok : ExitCode.unhealthy;
    } finally {
      screen?.stop();
      stopKeys?.();
    }
  },
});
