// `operator eval --vary` as a user runs a short one: the fixed-window edge burst, and the same burst
// under a sliding log, which over_admission's written factor says must stay silent, declared before
// it runs, each on its own cluster with its own control, scored side by side.
import { expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "./fixtures/cli.ts";
import { processesMentioning } from "./fixtures/processes.ts";
import { tempDirs } from "./fixtures/temp-dirs.ts";

// Four real clusters with load and chaos, one after the other, on a shared 2-core machine.
setDefaultTimeout(240_000);

const newDir = tempDirs("operator-eval-vary-");

test("--vary: the variant's expected outcome is declared first, silence under the threshold is kept, base and varied are scored side by side", async () => {
  const dir = newDir();
  const state = join(dir, "state");
  const r = await runCli(["eval", "--vary", "--scenarios", "edge-burst", "--variants", "algorithm", "--vary-sample", "1", "--seed", "1", "--json", "--state-dir", state], { timeoutMs: 230_000 });
  expect({ exitCode: r.exitCode, stderr: r.exitCode === 0 ? "" : r.stderr }).toEqual({ exitCode: 0, stderr: "" });
  const reason = "the burst gets 10 checks admitted in one window under sliding-log; over_admission allows 10 (limit 10 x 1)";
  // Declared before the first run starts.
  const stderr = r.stderr.split("\n");
  const declared = stderr.findIndex((l) => l.includes(`edge-burst@algorithm=sliding-log: expected silent: ${reason}`));
  expect([declared >= 0, declared < stderr.findIndex((l) => l.startsWith("[1/4]"))]).toEqual([true, true]);

  const doc = JSON.parse(r.stdout);
  const rows = doc.scenarios.map((s: any) => [s.name, s.control, s.control_of ?? null, s.variant?.expected ?? null, s.passed, s.detected, s.false_positives, s.diagnosis?.component ?? null]);
  expect(rows).toEqual([
    ["control", true, ["edge-burst"], null, true, false, 0, null],
    ["control-edge-burst@algorithm=sliding-log", true, ["edge-burst@algorithm=sliding-log"], null, true, false, 0, null],
    ["edge-burst", false, null, null, true, true, 0, "key:edge-burst"],
    ["edge-burst@algorithm=sliding-log", false, null, "silent", true, false, 0, null],
  ]);
  expect(doc.scenarios[3].variant).toEqual({ of: "edge-burst", kind: "algorithm", change: "algorithm fixed-window -> sliding-log", expected: "silent", reason });
  const { base, varied } = doc.vary.summary.builtin;
  const pickScores = (s: any) => [s.runs, s.expected_detect, s.detection_recall, s.expected_silent, s.silence_kept, s.false_positives, s.right_component, s.score];
  expect({ seed: doc.vary.seed, sample: doc.vary.sample, kinds: doc.vary.kinds, skipped: doc.vary.skipped, base: pickScores(base), varied: pickScores(varied) }).toEqual({
    seed: 1, sample: 1, kinds: ["algorithm"], skipped: [], base: [2, 1, 1, 0, null, 0, 1, 1], varied: [2, 0, null, 1, 1, 0, null, 1],
  });
  // The summary stays that of the scenarios as written, so eval compare reads the same figures with or without --vary.
  expect([doc.summary.builtin.runs, doc.summary.builtin.detection_recall]).toEqual([2, 1]);
  expect(processesMentioning(state)).toEqual([]);
});

test("--vary with a kind that does not exist, or a sample that is not a number: exit 2 and one line that says what to fix", async () => {
  for (const [args, hint] of [[["--variants", "magnitud"], "use magnitude, load, keys, target, algorithm or all"], [["--vary-sample", "some"], "--vary-sample"]] as const) {
    const res = await runCli(["eval", "--vary", ...args]);
    const lines = res.stderr.trim().split("\n");
    expect([res.exitCode, lines.length, lines[0]!.includes(hint)]).toEqual([2, 1, true]);
  }
});
