// The demo: a subject's chapters, one after the other, on one harness. Each chapter is announced
// (`chapter_started`), played and judged by the scenario runner, and reported (`chapter_passed` /
// `chapter_failed`); whatever happens, everything the demo started is stopped at the end.
import type { DiagnosisEngine } from "../diagnosis/diagnosis.ts";
import { usageError } from "../cli/errors.ts";
import type { DemoPlan, Scenario } from "../scenario/scenario.ts";
import { Harness, type HarnessContext } from "../scenario/harness.ts";
import { outcomeJson, type ScenarioOutcome } from "../scenario/outcome.ts";
import { Interrupted, runScenario } from "../scenario/run-scenario.ts";

export interface DemoOptions extends HarnessContext {
  plan: DemoPlan;
  /** The chapters to play, in order (all of the plan's, or those `--chapters` names). */
  chapters: Scenario[];
  engine: DiagnosisEngine;
  actor: string;
  /** Resolves when the next chapter may start: at once with --auto, on Enter otherwise. */
  advance(chapter: Scenario, index: number): Promise<void>;
  /** Called once the harness exists (the live view reads the deployment's health through it). */
  onHarness?(harness: Harness): void;
}

export interface DemoResult {
  outcomes: ScenarioOutcome[];
  interrupted: boolean;
  tookMs: number;
}

/** The chapters `names` picks, in the plan's order; an unknown name is a usage error listing the known ones. */
export function selectChapters(plan: DemoPlan, names: string[] | undefined): Scenario[] {
  if (!names?.length) return plan.chapters;
  const known = plan.chapters.map((c) => c.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw usageError("unknown_chapter", `--chapters names ${unknown.map((n) => `"${n}"`).join(", ")}: use some of ${known.join(", ")}`);
  return plan.chapters.filter((c) => names.includes(c.name));
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const startedAt = Date.now();
  const harness = new Harness({
    plugin: o.plugin, stateDir: o.stateDir, env: o.env, selfCommand: o.selfCommand, signal: o.signal, note: o.note, emit: o.emit, engine: o.engine,
    graceScale: o.plan.graceScale, intervalMs: o.plan.intervalMs, observeTimeoutMs: 5_000, watch: o.plan.watch ?? {}, actor: o.actor,
    verifyWithinMs: o.plan.verifyWithinMs, actionTimeoutMs: 30_000,
  });
  o.onHarness?.(harness);
  const settings = { deployment: o.plan.deployment, ...(o.plan.background ? { background: o.plan.background } : {}), diagnosisDeadlineMs: 15_000, clearDeadlineMs: 45_000 };
  const outcomes: ScenarioOutcome[] = [];
  let interrupted = false;
  try {
    for (const [index, chapter] of o.chapters.entries()) {
      await o.advance(chapter, index);
      if (o.signal.aborted) throw new Interrupted();
      const position = { chapter: chapter.name, index: index + 1, total: o.chapters.length };
      harness.emit("chapter_started", { ...position, kind: chapter.kind ?? "fault", title: chapter.title, narration: chapter.narration },
        `\nchapter ${index + 1}/${o.chapters.length}: ${chapter.title}\n${chapter.narration}`);
      const outcome = await runScenario(harness, chapter, settings);
      outcomes.push(outcome);
      const tookMs = outcome.finishedAt - outcome.startedAt;
      harness.emit(outcome.passed ? "chapter_passed" : "chapter_failed", { ...position, took_ms: tookMs, ...(outcome.failure ? { failure: outcome.failure } : {}), outcome: outcomeJson(outcome) },
        outcome.passed ? `chapter ${index + 1} passed in ${(tookMs / 1000).toFixed(1)} s` : `chapter ${index + 1} FAILED after ${(tookMs / 1000).toFixed(1)} s: ${outcome.failure}`);
    }
  } catch (error) {
    // An interrupt may surface as the error of whatever step it cut short (cluster up says so itself).
    if (!(error instanceof Interrupted) && !o.signal.aborted) throw error;
    interrupted = true;
  } finally {
    await harness.close();
  }
  return { outcomes, interrupted, tookMs: Date.now() - startedAt };
}

/** The last event of a demo run (`demo_finished`): every chapter's verdict and time. */
export function summaryJson(result: DemoResult) {
  return {
    passed: result.outcomes.filter((o) => o.passed).length,
    failed: result.outcomes.filter((o) => !o.passed).length,
    interrupted: result.interrupted,
    took_ms: result.tookMs,
    chapters: result.outcomes.map((o) => ({ chapter: o.scenario, passed: o.passed, took_ms: o.finishedAt - o.startedAt, ...(o.failure ? { failure: o.failure } : {}) })),
  };
}

export function renderSummary(result: DemoResult): string {
  const lines = result.outcomes.map((o) => `${o.passed ? "passed" : "FAILED"}  ${o.scenario.padEnd(16)} ${((o.finishedAt - o.startedAt) / 1000).toFixed(1).padStart(6)} s${o.failure ? `  ${o.failure}` : ""}`);
  const passed = result.outcomes.filter((o) => o.passed).length;
  const verdict = result.interrupted ? "interrupted: faults reverted, everything the demo started is stopped" : `${passed} of ${result.outcomes.length} chapters passed`;
  return [...lines, `${verdict} in ${(result.tookMs / 1000).toFixed(1)} s`].join("\n");
}
