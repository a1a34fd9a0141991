// The eval: every planned run on a fresh deployment in its own state dir, played by the same
// scenario runner as the demo (harness, monitor in this process, chaos leases, a person's approvals),
// then judged. Runs go one after another: a shared machine gives each the same conditions.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DiagnosisEngine } from "../diagnosis/diagnosis.ts";
import { isOperatorError, unreachableError } from "../cli/errors.ts";
import type { Scenario } from "../scenario/scenario.ts";
import { Harness, type HarnessContext } from "../scenario/harness.ts";
import { Interrupted, runScenario, type RunSettings } from "../scenario/run-scenario.ts";
import type { RunEvent } from "../scenario/event-log.ts";
import type { JournalEntry } from "../state/journal.ts";
import type { ScenarioOutcome } from "../scenario/outcome.ts";
import type { SubjectPlugin } from "../subject/subject.ts";
import { runDirOf } from "./eval-dir.ts";
import type { PlannedRun, VariantOf } from "./eval-plan.ts";
import { countIncidents, incidentEntries, type IncidentCount } from "./incident-count.ts";
import { judgeRun, type JudgedRun } from "./judge-run.ts";

/** Every event of a run, NDJSON, in its state dir. */
export const RUN_EVENTS_FILE = "events.ndjson";

/** A subject with no demo plan is run with these. */
const DEFAULTS = { intervalMs: 1_000, verifyWithinMs: 30_000, graceScale: 1 };

/** `stateDir` is the eval's, prepared: each run gets a directory in it; `emit` takes the eval's own events (`run_started`, `run_finished`) and each run's steps. */
export interface EvalOptions extends HarnessContext {
  runs: PlannedRun[];
  engines: Record<string, DiagnosisEngine>;
  /** `--grace-scale`; default the subject's demo plan's (1 without one). */
  graceScale?: number;
  /** After a ticket opens, how long its diagnosis and proposal may take (an LLM needs longer), ms. */
  diagnosisDeadlineMs: number;
}

export interface FinishedRun extends JudgedRun {
  stateDir: string;
  controlOf?: string[];
  variant?: VariantOf;
  /** Incidents the run ended with (null: this build groups no tickets into incidents). */
  incidents: IncidentCount | null;
}

export interface EvalResult {
  subject: string;
  graceScale: number;
  runs: FinishedRun[];
  interrupted: boolean;
  startedAt: number;
  tookMs: number;
}

export const graceScaleOf = (plugin: SubjectPlugin, given: number | undefined) => given ?? plugin.demo?.graceScale ?? DEFAULTS.graceScale;

export async function runEval(o: EvalOptions): Promise<EvalResult> {
  const startedAt = Date.now();
  const graceScale = graceScaleOf(o.plugin, o.graceScale);
  const graces = new Map(o.plugin.invariants.map((i) => [i.name, i.graceMs]));
  const runs: FinishedRun[] = [];
  let interrupted = false;
  for (const [index, planned] of o.runs.entries()) {
    if (o.signal.aborted) {
      interrupted = true;
      break;
    }
    const { scenario, engine, repeat } = planned;
    const stateDir = runDirOf(o.stateDir, index, scenario.name, engine, repeat);
    const position = { run: index + 1, of: o.runs.length, scenario: scenario.name, engine, repeat, control: scenario.kind === "control" };
    const declared = planned.variant ? { variant: planned.variant } : {};
    o.emit("run_started", { ...position, state_dir: stateDir, ...(planned.controlOf ? { control_of: planned.controlOf } : {}), ...declared },
      `[${index + 1}/${o.runs.length}] ${scenario.name} (${engine}, repeat ${repeat})${planned.variant ? `, expected ${planned.variant.expected}` : ""} in ${stateDir}`);
    const played = await play(o, planned, stateDir, graceScale);
    if (played.interrupted) {
      interrupted = true;
      break;
    }
    const judged = judgeRun(scenario, played.outcome, played.events, { engine, repeat, graceScale, graceMsOf: (name) => graces.get(name) ?? 0 });
    const expectedIncidents = scenario.expect.detections.length > 0 ? played.outcome.faults.length : 0;
    const tickets = played.events.filter((e) => e.type === "ticket_opened").length;
    const incidents = countIncidents(played.journal, expectedIncidents, tickets);
    const run: FinishedRun = { ...judged, stateDir, incidents, ...(planned.controlOf ? { controlOf: planned.controlOf } : {}), ...declared };
    runs.push(run);
    o.emit("run_finished", { ...position, passed: run.passed, ...(run.failure ? { failure: run.failure } : {}), took_ms: run.effort.wallMs }, `  ${verdictLine(run)}`);
  }
  return { subject: o.plugin.name, graceScale, runs, interrupted, startedAt, tookMs: Date.now() - startedAt };
}

type Played = { interrupted: true } | { interrupted: false; outcome: ScenarioOutcome; events: RunEvent[]; journal: JournalEntry[] };

/** One run on its own harness; whatever happens, everything it started is stopped before the next. */
async function play(o: EvalOptions, planned: PlannedRun, stateDir: string, graceScale: number): Promise<Played> {
  const plan = o.plugin.demo;
  const engine = o.engines[planned.engine];
  if (!engine) throw new Error(`no engine ${planned.engine} was made for this eval`);
  const harness = new Harness({
    plugin: o.plugin, stateDir, env: o.env, selfCommand: o.selfCommand, signal: o.signal, note: o.note, engine, graceScale,
    emit: (type, data, human) => {
      if (type === "step" || type === "error") o.emit(type, { run: planned.scenario.name, engine: planned.engine, repeat: planned.repeat, ...data }, human);
    },
    intervalMs: plan?.intervalMs ?? DEFAULTS.intervalMs, observeTimeoutMs: 5_000, watch: plan?.watch ?? {}, actor: "eval",
    verifyWithinMs: plan?.verifyWithinMs ?? DEFAULTS.verifyWithinMs, actionTimeoutMs: 30_000,
  });
  const background = planned.background ?? plan?.background;
  const settings: RunSettings = {
    deployment: plan?.deployment ?? {},
    ...(background ? { background } : {}),
    diagnosisDeadlineMs: o.diagnosisDeadlineMs,
    // Not scored, only a bound: knock-on tickets of a subject at grace 1 (etcd) take close to a minute to resolve.
    clearDeadlineMs: 60_000,
  };
  const startedAt = Date.now();
  try {
    const outcome = await runScenario(harness, planned.scenario, settings);
    writeEvents(stateDir, harness.events.events);
    return { interrupted: false, outcome, events: harness.events.events, journal: incidentEntries(harness.state) };
  } catch (error) {
    if (error instanceof Interrupted || o.signal.aborted) return { interrupted: true };
    const message = error instanceof Error ? error.message : String(error);
    // A usage error, or a deployment that cannot come up on this machine (a missing tool, no
    // Docker), would fail every run alike: the eval stops and says why.
    if (isOperatorError(error) && error.exitCode === 2) throw error;
    if (isOperatorError(error) && !harness.events.events.some((e) => e.type === "deployed")) {
      throw unreachableError("deployment_unavailable", `eval stopped: the ${o.plugin.name} deployment does not come up on this machine, so no scenario can run: ${message}`, { cause: error });
    }
    writeEvents(stateDir, harness.events.events);
    return { interrupted: false, outcome: crashed(planned.scenario, message, startedAt), events: harness.events.events, journal: incidentEntries(harness.state) };
  } finally {
    await harness.close().catch((error) => o.note(`eval: cleaning up ${stateDir} failed: ${error instanceof Error ? error.message : String(error)}`));
  }
}

/** The run's timeline beside its state, for a person finding out why it failed: one event per line, as `--progress` prints them. */
function writeEvents(stateDir: string, events: RunEvent[]): void {
  const lines = events.map((e) => JSON.stringify({ type: e.type, ts: new Date(e.at).toISOString(), ...e.data }));
  writeFileSync(join(stateDir, RUN_EVENTS_FILE), lines.length ? `${lines.join("\n")}\n` : "");
}

/** The outcome of a run whose runner failed outright (the deployment did not come up, say). */
function crashed(scenario: Scenario, message: string, startedAt: number): ScenarioOutcome {
  return {
    scenario: scenario.name, kind: scenario.kind ?? "fault", passed: false, failure: `the run broke off: ${message}`, startedAt, finishedAt: Date.now(),
    faults: [], detections: [], unexpected: [], diagnoses: [], remedies: [], remedyHeld: null, allClearAt: null,
  };
}

const seconds = (ms: number | null) => (ms === null ? "-" : `${(ms / 1000).toFixed(1)} s`);

/** One line per finished run, for the person watching. */
export function verdictLine(run: FinishedRun): string {
  const verdict = run.passed ? "passed" : `FAILED: ${run.failure ?? "see the scores"}`;
  const tickets = `${run.falsePositives} false positive${run.falsePositives === 1 ? "" : "s"}`;
  if (run.control) return `${verdict} (${tickets}) in ${seconds(run.effort.wallMs)}`;
  if (run.variant?.expected === "silent") return `${verdict}; expected silent: ${tickets}; run took ${seconds(run.effort.wallMs)}`;
  const diagnosis = run.diagnoses[0] ? `${run.diagnoses[0].component} (${run.diagnoses[0].faultClass})` : "no diagnosis";
  return `${verdict}; detected ${run.detected ? `in ${seconds(run.ttdMs)}` : "no"}, diagnosis ${diagnosis}, ` +
    `mitigated ${run.mitigated === null ? "n/a" : run.mitigated ? `in ${seconds(run.ttmMs)}` : "no"}; run took ${seconds(run.effort.wallMs)}`;
}
