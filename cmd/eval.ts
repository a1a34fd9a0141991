// operator eval: the operator scored on injected faults (each scenario on a fresh local cluster,
// each paired with a no-fault control), per engine; `eval compare A B` puts two saved results side by side.
import { writeFileSync } from "node:fs";
import { defineOperatorCommand } from "../lib/cli/cli.ts";
import { defineOptions, List, NonEmptyText, NonNegativeNumber, OneOf, PositiveInt, Ratio, Switch } from "../lib/cli/config.ts";
import { diagnosisOptions } from "../lib/diagnosis/engine-options.ts";
import { ExitCode, usageError } from "../lib/cli/errors.ts";
import { compareEvals, readSavedEval, renderComparison } from "../lib/eval/eval-compare.ts";
import { prepareEvalDir } from "../lib/eval/eval-dir.ts";
import { EVAL_LLM_HINTS, evalEngines } from "../lib/eval/eval-engines.ts";
import { planRuns, selectScenarios } from "../lib/eval/eval-plan.ts";
import { belowMinScore, evalJson, renderEval } from "../lib/eval/eval-report.ts";
import { graceScaleOf, runEval } from "../lib/eval/run-eval.ts";
import { variantsFor, varyOptions } from "../lib/eval/vary-options.ts";
import { createOutput } from "../lib/cli/output.ts";
import { loadSubject } from "../lib/subject/registry.ts";
import { subjectOption } from "./subject-selection.ts";
import { selfCommand } from "./self-command.ts";

const { engine: _monitorEngine, ...llmOptions } = diagnosisOptions;

const evalOptions = defineOptions({
  ...subjectOption,
  scenarios: { env: "OPERATOR_EVAL_SCENARIOS", default: "all", schema: List, help: "the scenarios to run, comma-separated, or all (each brings its no-fault control)" },
  engine: { env: "OPERATOR_EVAL_ENGINE", default: "builtin", schema: OneOf(["builtin", "llm", "both"] as const), help: "the diagnosis engine scored: builtin, llm (needs OPERATOR_LLM) or both" },
  repeat: { env: "OPERATOR_EVAL_REPEAT", default: "1", schema: PositiveInt, help: "runs of every scenario per engine (K: mean, spread and pass^K)" },
  graceScale: { env: "OPERATOR_EVAL_GRACE_SCALE", schema: NonNegativeNumber, help: "multiplies every invariant's grace (default: the subject's demo setting, 0.2 for ratelimiter; 0 opens tickets at once)" },
  progress: { env: "OPERATOR_EVAL_PROGRESS", schema: Switch, boolean: true, help: "NDJSON events on stdout as it goes (run_started, step, run_finished), the result last as eval_finished" },
  minScore: { env: "OPERATOR_EVAL_MIN_SCORE", schema: Ratio, help: "exit 1 when an engine's score (share of runs, controls included, that passed) is below this, 0..1" },
  save: { env: "OPERATOR_EVAL_SAVE", schema: NonEmptyText, help: "also write the result (the --json document) to this file, for eval compare" },
  stateDir: { env: "OPERATOR_EVAL_STATE_DIR", default: "./.operator-eval", schema: NonEmptyText, help: "eval's own state dir, one directory per run (tickets, actions, audit, logs): new, empty, or an earlier eval's" },
  ...varyOptions,
  ...llmOptions,
  llmHint: { env: "OPERATOR_LLM_HINT", default: "both", schema: OneOf(EVAL_LLM_HINTS), help: "with the llm engine: rules (shown the built-in rules' conclusion, reported as llm), none (blind, reported as llm-blind) or both, side by side" },
});

export default defineOperatorCommand({
  name: "eval",
  description:
    "Score the operator on injected faults: every scenario of the subject runs on a fresh local cluster in its own state dir, paired with a " +
    "no-fault control of the same load, and is judged on detection (recall, time to detect), false positives, localization (Acc@1, Acc@3), " +
    "exact diagnosis (component and fault class), mitigation (the approved remedy clears it and holds), incidents (one per fault) and effort. " +
    "--vary also runs variants of each scenario (size, load, keys, target, algorithm), each declaring before it runs whether it must be " +
    "detected or stay silent (from the invariants' thresholds), scored beside the base runs. With the llm engine both hint modes run: " +
    "llm (shown the rules' conclusion) and llm-blind (not). A table on the terminal, " +
    "one JSON document with --json. `operator eval compare A.json B.json` compares two saved results (exit 1 when a score dropped). " +
    "Exit 0 done, 1 an engine scored under --min-score, 2 usage, 130 interrupted (everything it started is stopped).",
  examples: [
    "operator eval",
    "operator eval --scenarios node-kill,hot-key --grace-scale 0 --json | jq .summary",
    "OPERATOR_LLM=openai OPERATOR_LLM_URL=http://127.0.0.1:11434/v1 OPERATOR_LLM_MODEL=qwen2.5 operator eval --engine both --repeat 3 --save llm.json",
    "operator eval --min-score 0.9 --save today.json && operator eval compare yesterday.json today.json",
    "operator eval --vary --scenarios slow-link,edge-burst --variants magnitude,algorithm --vary-sample all --seed 7",
  ],
  options: evalOptions,
  positionals: [
    { name: "command", help: "compare: put two saved results side by side (operator eval compare A.json B.json)" },
    { name: "a", help: "compare: the earlier result file" },
    { name: "b", help: "compare: the later result file" },
  ],
  async check({ options, positionals }) {
    if (positionals.command !== undefined) {
      if (positionals.command !== "compare") throw usageError("unknown_command", `operator eval takes no argument "${positionals.command}": run operator eval [flags], or operator eval compare A.json B.json`);
      if (!positionals.a || !positionals.b) throw usageError("missing_argument", "eval compare needs two saved results: operator eval compare A.json B.json (save them with --save)");
      return;
    }
    const plugin = await loadSubject(options.subject);
    if (!plugin.scenarios?.length) throw usageError("no_scenarios", `subject ${plugin.name} has no eval scenarios: try operator eval --subject ratelimiter`);
    variantsFor(plugin, selectScenarios(plugin.scenarios, options.scenarios, plugin.name), options, graceScaleOf(plugin, options.graceScale));
    evalEngines(options.engine, options.llmHint, options);
  },
  async run({ options, positionals, out, env, signal }) {
    if (positionals.command === "compare") {
      const comparison = compareEvals(positionals.a!, readSavedEval(positionals.a!), positionals.b!, readSavedEval(positionals.b!));
      out.result(comparison, renderComparison);
      return comparison.regressed.length ? ExitCode.unhealthy : ExitCode.ok;
    }

    const plugin = await loadSubject(options.subject);
    const scenarios = selectScenarios(plugin.scenarios!, options.scenarios, plugin.name);
    const { names: engineNames, engines } = evalEngines(options.engine, options.llmHint, options);
    const varied = variantsFor(plugin, scenarios, options, graceScaleOf(plugin, options.graceScale));
    const stream = options.progress ? createOutput({ json: true }) : undefined;
    const stateDir = await prepareEvalDir(options.stateDir, { env, selfCommand: selfCommand(), signal, note: out.note });
    const runs = planRuns(scenarios, engineNames, options.repeat, varied.variants);
    out.note(`eval: ${scenarios.length} scenarios${options.vary ? ` and ${varied.variants.length} variants (seed ${options.seed})` : ""} with their controls, ${runs.length} runs, on ${plugin.name}; state in ${stateDir}`);
    for (const v of varied.variants) out.note(`  ${v.scenario.name}: expected ${v.expectation.outcome}: ${v.expectation.reason}`);

    const result = await runEval({
      plugin, runs, engines, graceScale: options.graceScale, stateDir, env, selfCommand: selfCommand(), signal,
      diagnosisDeadlineMs: engineNames.some((n) => n !== "builtin") ? options.llmTimeout + 15_000 : 15_000,
      note: out.note,
      // On the terminal: a line per run, the monitor's errors indented under it; the steps only with --progress.
      emit: (type, data, human) => (stream ? stream.event(type, data, human) : type === "step" ? undefined : out.note(type === "error" ? `    ${human ?? type}` : human ?? type)),
    });
    const doc = evalJson(result, { engines: engineNames, repeat: options.repeat, ...(options.vary ? { vary: { seed: options.seed, sample: options.varySample, kinds: varied.kinds, skipped: varied.skipped } } : {}) });
    if (options.save) writeFileSync(options.save, `${JSON.stringify(doc, null, 2)}\n`);
    if (stream) stream.event("eval_finished", doc as unknown as Record<string, unknown>);
    else out.result(doc, renderEval);
    if (result.interrupted) return ExitCode.interrupted;
    const below = options.minScore === undefined ? [] : belowMinScore(doc, options.minScore);
    for (const b of below) out.note(`eval: ${b.engine} scored ${b.score.toFixed(2)}, under --min-score ${options.minScore}`);
    return below.length ? ExitCode.unhealthy : ExitCode.ok;
  },
});
