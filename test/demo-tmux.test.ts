// The demo's live view in a real terminal: tmux at 100×30 runs `operator demo`, the test reads the
// screen (capture-pane), presses Enter to start each chapter and Ctrl-C to stop: exit 130, and
// every process the demo started is gone.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENTRY, runCli } from "./fixtures/cli.ts";
import { pollUntil } from "./fixtures/poll.ts";
import { isAlive, processesMentioning } from "./fixtures/processes.ts";

setDefaultTimeout(240_000);

const dir = mkdtempSync(join(tmpdir(), "operator-demo-tmux-"));
const socket = join(dir, "tmux.sock");
const stateDir = join(dir, "state");
const exitFile = join(dir, "exit");

const tmux = (...args: string[]) => {
  const proc = Bun.spawnSync(["tmux", "-S", socket, ...args], { stdout: "pipe", stderr: "pipe" });
  return proc.stdout.toString();
};
const screen = async () => tmux("capture-pane", "-p", "-t", "demo");
const until = (what: string, done: (text: string) => boolean, timeoutMs = 90_000) => pollUntil(screen, done, { timeoutMs, intervalMs: 200, what });

afterAll(async () => {
  // A failed assertion leaves the demo running: Ctrl-C it and wait for its cleanup before the pane goes.
  if (!existsSync(exitFile)) {
    tmux("send-keys", "-t", "demo", "C-c");
    await pollUntil(async () => existsSync(exitFile), Boolean, { timeoutMs: 60_000, what: "the demo's exit" }).catch(() => {});
  }
  tmux("kill-server");
  rmSync(dir, { recursive: true, force: true });
});

test("live view in tmux 100×30: narration, health, traffic, tickets and diagnosis; Enter advances; Ctrl-C exits 130 and stops everything", async () => {
  const command = `bun ${ENTRY} demo ratelimiter --chapters cluster-up,node-kill --state-dir ${stateDir}; echo $? > ${exitFile}`;
  tmux("new-session", "-d", "-s", "demo", "-x", "100", "-y", "30", "-e", "NO_COLOR=1", command);

  const waiting = await until("the first prompt", (t) => t.includes("Press Enter to start chapter 1 of 2"));
  expect(waiting).toContain("operator demo · ratelimiter");
  tmux("send-keys", "-t", "demo", "Enter");

  const baseline = await until("chapter 1 passed with the cluster shown", (t) => t.includes("✓ cluster-up") && t.includes("node-c ok") && t.includes("Press Enter to start chapter 2 of 2"));
  const lines = baseline.trimEnd().split("\n");
  expect(lines.length).toBeLessThanOrEqual(30);
  expect(lines.every((l) => l.length <= 100)).toBe(true);
  for (const shown of ["Chapter 1/2: A cluster under load, and nothing to report", "[passed]", "Three rate-limiter nodes share one Redis", "redis ok", "node-a ok", "background", "Tickets open: 0", "nothing opened for 8 s: the baseline holds"]) {
    expect(baseline).toContain(shown);
  }
  const parts = JSON.parse((await runCli(["cluster", "status", "--json", "--state-dir", stateDir])).stdout).parts as { name: string; pid: number }[];
  expect(parts.map((p) => p.name).sort()).toEqual(["link-a", "link-b", "link-c", "node-a", "node-b", "node-c", "redis"]);

  tmux("send-keys", "-t", "demo", "Enter");
  const faulted = await until("the node-kill diagnosis", (t) => t.includes("ticket #1: node:b · process_down"));
  for (const shown of ["Chapter 2/2: A node is killed", "Node b gets SIGKILL", "node_down on node:b", "recommends restart_node {\"node\":\"b\"}", "diagnosis: node:b (process_down)"]) expect(faulted).toContain(shown);

  tmux("send-keys", "-t", "demo", "C-c");
  await pollUntil(async () => existsSync(exitFile) && readFileSync(exitFile, "utf8").trim(), (code) => code !== false && code !== "", { timeoutMs: 60_000, what: "the demo's exit" });
  expect(readFileSync(exitFile, "utf8").trim()).toBe("130");
  expect(parts.map((p) => p.pid).filter(isAlive)).toEqual([]);
  expect(processesMentioning(stateDir)).toEqual([]);
});
