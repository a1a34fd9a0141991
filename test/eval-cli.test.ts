// `operator eval` as a script runs it: a short eval (three scenarios and their shared control) with
// --json prints one document whose scores a CI job can read, saves it for `eval compare`, and
// leaves nothing running; the LLM engine is scored against a stand-in model on the real wire format.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { runCli, spawnCli } from "./fixtures/cli.ts";
import { STUB_API_KEY, startLlmStub } from "./fixtures/llm-stub.ts";
import { isAlive, processesMentioning } from "./fixtures/processes.ts";
import { loadDeployment } from "../lib/cluster/deployment.ts";
import { tempDirs } from "./fixtures/temp-dirs.ts";

// Real clusters, load and chaos on a shared 2-core machine, one after the other.
setDefaultTimeout(240_000);

const newDir = tempDirs("operator-eval-");

const RATIOS = ["score", "detection_recall", "localization_acc1", "localization_acc3", "diagnosis_exact", "mitigation_success", "pass_k"] as const;

describe("operator eval", () => {
  test("three scenarios and their control with --json: one document, every score at 1, saved for compare, nothing left running", async () => {
    const dir = newDir();
    const saved = join(dir, "result.json");
    const result = await runCli(["eval", "--scenarios", "node-kill,hot-key,redis-kill", "--json", "--min-score", "1", "--save", saved, "--state-dir", join(dir, "state")], { timeoutMs: 220_000 });
    expect({ exitCode: result.exitCode, stderr: result.exitCode === 0 ? "" : result.stderr }).toEqual({ exitCode: 0, stderr: "" });
    const doc = JSON.parse(result.stdout);

    const rows = doc.scenarios.map((s: any) => [s.name, s.engine, s.repeat, s.control, s.passed, s.detected, s.false_positives, s.localized_at, s.diagnosis_exact, s.mitigated, s.diagnosis?.component ?? null]);
    expect({ subject: doc.subject, engines: doc.engines, repeat: doc.repeat, grace_scale: doc.grace_scale, rows }).toEqual({
      subject: "ratelimiter", engines: ["builtin"], repeat: 1, grace_scale: 0.2,
      rows: [
        ["control", "builtin", 1, true, true, false, 0, null, false, null, null],
        ["node-kill", "builtin", 1, false, true, true, 0, 1, true, true, "node:b"],
        ["hot-key", "builtin", 1, false, true, true, 0, 1, true, true, "key:hot-key"],
        ["redis-kill", "builtin", 1, false, true, true, 0, 1, true, null, "redis"],
      ],
    });
    const control = doc.scenarios[0];
    expect(control.control_of).toEqual(["node-kill", "hot-key", "redis-kill"]);
    for (const s of doc.scenarios.filter((r: any) => !r.control)) {
      expect([s.name, typeof s.ttd_ms, typeof s.ttd_minus_grace_ms, s.ttd_ms >= s.ttd_minus_grace_ms, s.effort.wall_ms > 0]).toEqual([s.name, "number", "number", true, true]);
      expect(readFileSync(join(s.state_dir, "events.ndjson"), "utf8")).toContain('"type":"ticket_opened"');
    }
    expect(doc.scenarios.filter((s: any) => s.mitigated).every((s: any) => s.ttm_ms > 0)).toBe(true);

    const summary = doc.summary.builtin;
    expect(Object.fromEntries(RATIOS.map((k) => [k, summary[k]]))).toEqual(Object.fromEntries(RATIOS.map((k) => [k, 1])));
    expect([summary.runs, summary.false_positives, summary.unexpected_in_fault_runs, summary.effort.llm_turns, summary.llm_fallbacks]).toEqual([4, 0, 0, 0, 0]);
    expect(typeof summary.ttd_ms_median).toBe("number");

    // Every process of every run was stopped.
    const started = doc.scenarios.flatMap((s: any) => readFileSync(join(s.state_dir, "events.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l)))
      .filter((e: any) => e.type === "deployed").flatMap((e: any) => e.parts.map((p: { pid: number }) => p.pid));
    expect([started.length, started.filter(isAlive), processesMentioning(join(dir, "state"))]).toEqual([28, [], []]);

    // The saved result compares with itself: nothing changed, exit 0.
    expect(JSON.parse(readFileSync(saved, "utf8"))).toEqual(doc);
    const same = await runCli(["eval", "compare", saved, saved, "--json"]);
    expect([same.exitCode, JSON.parse(same.stdout).changed, JSON.parse(same.stdout).regressed]).toEqual([0, [], []]);
    // A later result whose score dropped: compare says which run changed and exits 1.
    const worse = join(dir, "worse.json");
    const dropped = { ...doc, scenarios: doc.scenarios.map((s: any) => (s.name === "hot-key" ? { ...s, passed: false, failure: "no hot_key ticket" } : s)), summary: { builtin: { ...summary, score: 0.75 } } };
    await Bun.write(worse, JSON.stringify(dropped));
    const regressed = await runCli(["eval", "compare", saved, worse]);
    expect([regressed.exitCode, regressed.stdout.includes("hot-key (builtin, repeat 1): passed → failed: no hot_key ticket"), regressed.stdout.includes("regressed: the score of builtin is lower in B")]).toEqual([1, true, true]);
  });

  test("--engine llm on a stand-in model (OpenAI wire format): llm and llm-blind side by side, only llm's prompt carrying the rules' conclusion", async () => {
    // A fixed transcript with no diagnosis logic: every request gets the same submission, whatever its prompt says.
    const submission = {
      component: "node:b", fault_class: "process_down", summary: "node b refuses connections: its process is gone", confidence: 0.9, evidence: ["node_down on node:b: connection refused"],
      alternatives: [], recommended_actions: [{ name: "restart_node", params: { node: "b" }, why: "bring it back" }],
    };
    await using llm = await startLlmStub("openai", () => ({ toolCalls: [{ name: "submit_diagnosis", input: submission }] }));
    const dir = newDir();
    const env = { OPERATOR_LLM: "openai", OPERATOR_LLM_URL: llm.url, OPERATOR_LLM_API_KEY: STUB_API_KEY, OPERATOR_LLM_MODEL: "transcript" };
    const result = await runCli(["eval", "--scenarios", "node-kill", "--engine", "llm", "--json", "--state-dir", dir], { env, timeoutMs: 220_000 });
    expect({ exitCode: result.exitCode, stderr: result.exitCode === 0 ? "" : result.stderr }).toEqual({ exitCode: 0, stderr: "" });
    const doc = JSON.parse(result.stdout);
    const rows = doc.scenarios.filter((s: any) => !s.control).map((s: any) => [s.engine, s.passed, s.localized_at, s.diagnosis_exact, s.mitigated, s.diagnosis.engine, s.diagnosis.component, s.effort.llm_turns, s.effort.llm_fallbacks]);
    expect([doc.engines, rows]).toEqual([["llm", "llm-blind"], [["llm", true, 1, true, true, "llm", "node:b", 1, 0], ["llm-blind", true, 1, true, true, "llm", "node:b", 1, 0]]]);
    expect([doc.summary.llm.score, doc.summary["llm-blind"].score, doc.summary.llm.effort.llm_turns, doc.summary["llm-blind"].effort.llm_turns]).toEqual([1, 1, 1, 1]);
    // The runs go engine by engine: the first diagnosis is llm's (shown the rules' conclusion), the second llm-blind's (not).
    const prompts = llm.requests.map((r) => [r.raw.includes("built-in rules' conclusion"), r.raw.includes("latest observation"), r.raw.includes("node_down")]);
    expect(prompts).toEqual([[true, true, true], [false, true, true]]);
  });

  test("Ctrl-C in the middle of a run: exit 130, the partial result last, nothing left running", async () => {
    const dir = join(newDir(), "state");
    const proc = spawnCli(["eval", "--scenarios", "node-kill", "--progress", "--state-dir", dir]);
    const lines: string[] = [];
    const deployed = Promise.withResolvers<void>();
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of proc.stdout) {
        buffer += decoder.decode(chunk);
        for (let at = buffer.indexOf("\n"); at >= 0; at = buffer.indexOf("\n")) {
          lines.push(buffer.slice(0, at));
          if (buffer.slice(0, at).includes('"step":"deployed"')) deployed.resolve();
          buffer = buffer.slice(at + 1);
        }
      }
      deployed.resolve();
    })();
    await deployed.promise;
    const runDir = lines.map((l) => JSON.parse(l)).find((e) => e.type === "run_started").state_dir;
    const pids = loadDeployment(runDir)!.processes.map((p) => p.pid);
    proc.kill("SIGINT");
    const exitCode = await proc.exited;
    await reading;
    const last = JSON.parse(lines.at(-1)!);
    expect([exitCode, last.type, last.interrupted, pids.length]).toEqual([130, "eval_finished", true, 7]);
    expect([pids.filter(isAlive), processesMentioning(dir), loadDeployment(runDir)]).toEqual([[], [], undefined]);
  });

  test("bad input: exit 2 and one stderr line that says what to fix", async () => {
    const cases = [
      [["eval", "--scenarios", "node-kil"], "has node-kill"],
      [["eval", "--min-score", "1.5"], "--min-score"],
      [["eval", "--engine", "llm"], "OPERATOR_LLM"],
      [["eval", "--repeat", "0"], "--repeat"],
      [["eval", "compare", "only-one.json"], "two saved results"],
      [["eval", "compare", "/nonexistent/a.json", "/nonexistent/b.json"], "cannot read /nonexistent/a.json"],
      [["eval", "run"], "operator eval compare A.json B.json"],
    ] as const;
    for (const [args, hint] of cases) {
      const r = await runCli([...args], { env: { OPERATOR_LLM: "none" } });
      const lines = r.stderr.trim().split("\n");
      expect([args.join(" "), r.exitCode, lines.length, lines[0]!.includes(hint)]).toEqual([args.join(" "), 2, 1, true]);
    }
  });

  test("a deployment that cannot come up here stops the eval at its first run, saying why", async () => {
    const bin = newDir();
    symlinkSync(process.execPath, join(bin, "bun"));
    const r = await runCli(["eval", "--scenarios", "node-kill", "--state-dir", join(newDir(), "state")], { env: { PATH: bin } });
    expect([r.exitCode, r.stdout, r.stderr.trim().split("\n").at(-1)!.includes("redis-server not found")]).toEqual([2, "", true]);
  });
});
