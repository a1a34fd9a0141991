// operator loadgen as a script runs it: exit codes, the report, NDJSON progress.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./fixtures/cli.ts";

// A stand-in node until the cluster tests below: keys ending in an odd digit are denied, "err" keys fail.
const target = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const { key } = (await request.json()) as { key: string };
    if (key.startsWith("err")) return new Response("{}", { status: 503 });
    return new Response("{}", { status: Number(key.at(-1)) % 2 ? 429 : 200 });
  },
});
const url = target.url.href.replace(/\/$/, "");
const stateDir = mkdtempSync(join(tmpdir(), "operator-loadgen-"));
afterAll(() => {
  target.stop(true);
  rmSync(stateDir, { recursive: true, force: true });
});
const env = { OPERATOR_STATE_DIR: stateDir };

describe("operator loadgen", () => {
  test("sends the asked rate and reports allowed, denied, latency, send lag and per-target figures", async () => {
    const result = await runCli(["loadgen", "--targets", url, "--rate", "200", "--duration", "2s", "--keys", "10", "--seed", "42", "--json"], { env });
    const report = JSON.parse(result.stdout);
    // On a loaded shared machine the generator may honestly report itself late; nothing else may fail.
    expect(report.breaches.filter((b: string) => !b.startsWith("the generator could not keep up"))).toEqual([]);
    expect(result.exitCode).toBe(report.breaches.length > 0 ? 1 : 0);
    expect(report.generator_saturated).toBe(report.breaches.length > 0);
    expect({ requests: report.requests, planned: report.planned, answered: report.allowed + report.denied, errors: report.errors.total, seed: report.seed, targets: report.targets.length }).toEqual({
      requests: 400,
      planned: 400,
      answered: 400,
      errors: 0,
      seed: 42,
      targets: 1,
    });
    expect(report.allowed).toBeGreaterThan(0);
    expect(report.denied).toBeGreaterThan(0);
    expect(Math.abs(report.achieved_rate - 200) / 200).toBeLessThan(0.05);
    expect(Object.keys(report.latency_ms)).toEqual(["p50", "p90", "p99", "p999", "max", "mean"]);
    expect(Object.keys(report.send_lag_ms)).toEqual(["p50", "p90", "p99", "p999", "max", "mean"]);
  }, 20_000);

  test("--progress streams one event a second, then the report", async () => {
    const result = await runCli(["loadgen", "--targets", url, "--rate", "50", "--duration", "2s", "--progress"], { env });
    const events = result.stdout.trim().split("\n").map((line) => JSON.parse(line));
    expect(events.at(-1).type).toBe("report");
    expect(result.exitCode).toBe(events.at(-1).breaches.length > 0 ? 1 : 0);
    const progress = events.filter((e) => e.type === "progress");
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.reduce((sum, e) => sum + e.sent, 0)).toBe(100);
    expect(progress[0]).toMatchObject({ second: 1, faults: [] });
    expect(typeof progress[0].ts).toBe("string");
  }, 20_000);

  test("--max-error-rate: a breach exits 1 and says so", async () => {
    const result = await runCli(["loadgen", "--targets", url, "--rate", "20", "--duration", "1s", "--keys", "1", "--key-prefix", "err", "--max-error-rate", "0.1"], { env });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("error rate 1 is over --max-error-rate 0.1");
    expect(result.stdout).toContain("http_5xx 20");
  }, 20_000);

  test("bad input is one line and exit 2; an unreachable target is exit 3", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const closedUrl = closed.url.href;
    closed.stop(true);
    const cases = await Promise.all([
      runCli(["loadgen", "--targets", url, "--rate", "0"], { env }),
      runCli(["loadgen", "--targets", url, "--duration", "x"], { env }),
      runCli(["loadgen", "--targets", "ftp://x"], { env }),
      runCli(["loadgen", "--burst", "10x"], { env }),
      runCli(["loadgen"], { env }),
      runCli(["loadgen", "--targets", closedUrl, "--duration", "1s"], { env }),
    ]);
    expect(cases.map((c) => [c.exitCode, c.stderr.split("\n").length, c.stdout])).toEqual([
      [2, 2, ""],
      [2, 2, ""],
      [2, 2, ""],
      [2, 2, ""],
      [2, 2, ""],
      [3, 2, ""],
    ]);
    expect(cases[0]!.stderr).toBe('operator: --rate "0" is not a positive number (env OPERATOR_LOADGEN_RATE)\n');
    expect(cases[1]!.stderr).toBe('operator: --duration "x" is not a duration: use 500ms, 10s or 2m (env OPERATOR_LOADGEN_DURATION)\n');
    expect(cases[4]!.stderr).toStartWith("operator: no --targets and no cluster in");
    expect(cases[5]!.stderr).toStartWith("operator: no target accepts connections");
  }, 20_000);
});
