import { expect, test } from "bun:test";
import { CONTROL, type Scenario } from "../scenario/scenario.ts";
import { planRuns, selectScenarios } from "./eval-plan.ts";

const scenario = (name: string, over: Partial<Scenario> = {}): Scenario => ({
  name, subject: "s", title: name, narration: "n", faults: [{ fault: name, params: {}, durationMs: 1_000 }],
  expect: { detections: [], deadlineMs: 10_000, components: [], faultClass: "x" }, ...over,
});

const all = [
  scenario("kill"),
  scenario("hot", { expect: { detections: [], deadlineMs: 25_000, components: [], faultClass: "x" } }),
  scenario("stale", { workload: { rate: 1, key: "k" } }),
  scenario("setup", { kind: "setup", faults: [], expect: CONTROL }),
];

test("scenarios sharing a deployment and workload share one control, watched for their longest deadline; controls run first, per engine and repeat", () => {
  const runs = planRuns(selectScenarios(all, undefined, "s"), ["builtin", "llm"], 2);
  expect(runs.filter((r) => r.repeat === 1 && r.engine === "builtin").map((r) => [r.scenario.name, r.scenario.kind ?? "fault", r.scenario.quietMs ?? null, r.controlOf ?? null, r.scenario.workload ?? null])).toEqual([
    ["control", "control", 25_000, ["kill", "hot"], null],
    ["control-stale", "control", 10_000, ["stale"], { rate: 1, key: "k" }],
    ["kill", "fault", null, null, null],
    ["hot", "fault", null, null, null],
    ["stale", "fault", null, null, { rate: 1, key: "k" }],
  ]);
  expect(runs.map((r) => `${r.engine}${r.repeat}`).filter((v, i, a) => a.indexOf(v) === i)).toEqual(["builtin1", "llm1", "builtin2", "llm2"]);
  expect(runs).toHaveLength(20);
});

test("--scenarios picks fault scenarios by name, in the subject's order; an unknown name lists the known ones", () => {
  expect(selectScenarios(all, ["stale", "kill"], "s").map((s) => s.name)).toEqual(["kill", "stale"]);
  expect(selectScenarios(all, ["all"], "s").map((s) => s.name)).toEqual(["kill", "hot", "stale"]);
  expect(() => selectScenarios(all, ["kil", "setup"], "s")).toThrow('--scenarios names "kil", "setup": subject s has kill, hot, stale (or all)');
});
