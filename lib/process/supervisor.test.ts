import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSameProcess, isStopped, processStartTime } from "./identity.ts";
import { killProcess, signal, spawnDetached, stopProcess, waitForJsonLine } from "./supervisor.ts";
import { waitFor } from "./wait.ts";

const dir = mkdtempSync(join(tmpdir(), "operator-supervisor-"));
const started: { pid: number; startTime: number }[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) await stopProcess(p, { graceMs: 500 });
});

const script = (body: string) => ["bun", "-e", body];

describe("supervisor", () => {
  test("a detached process logs to its file, announces itself and stops by pid", async () => {
    const logFile = join(dir, "a.log");
    const identity = spawnDetached({ argv: script(`console.log(JSON.stringify({ url: "http://x", pid: process.pid })); setInterval(() => {}, 1000);`), logFile });
    started.push(identity);
    const start = await waitForJsonLine(logFile, "url", identity, { timeoutMs: 10_000 });
    expect(start).toEqual({ line: { url: "http://x", pid: identity.pid } });
    expect(isSameProcess(identity)).toBe(true);
    expect(await stopProcess(identity)).toBe("stopped");
    expect(processStartTime(identity.pid)).toBeUndefined();
    expect(await stopProcess(identity)).toBe("gone");
  });

  test("a pid whose start time differs is not ours and is never signalled", async () => {
    const identity = spawnDetached({ argv: ["sleep", "30"], logFile: join(dir, "b.log") });
    started.push(identity);
    const impostor = { pid: identity.pid, startTime: identity.startTime - 1 };
    expect(await stopProcess(impostor)).toBe("not-ours");
    expect(signal(impostor, "SIGKILL")).toBe(false);
    expect(isSameProcess(identity)).toBe(true);
  });

  test("a paused process is seen as stopped and still stops on request", async () => {
    const logFile = join(dir, "c.log");
    const identity = spawnDetached({ argv: script("process.on('SIGTERM', () => process.exit(0)); console.log('{\"ready\":1}'); setInterval(() => {}, 1000);"), logFile });
    started.push(identity);
    expect(await waitForJsonLine(logFile, "ready", identity, { timeoutMs: 10_000 })).toEqual({ line: { ready: 1 } });
    signal(identity, "SIGSTOP");
    expect(await waitFor(() => isStopped(identity), { timeoutMs: 2000 })).toBe(true);
    expect(await stopProcess(identity)).toBe("stopped");
  });

  test("a process killed as a fault kills it is gone when the kill returns, even one that ignores SIGTERM", async () => {
    const logFile = join(dir, "f.log");
    const identity = spawnDetached({ argv: script("process.on('SIGTERM', () => {}); console.log('{\"ready\":1}'); setInterval(() => {}, 1000);"), logFile });
    started.push(identity);
    expect(await waitForJsonLine(logFile, "ready", identity, { timeoutMs: 10_000 })).toEqual({ line: { ready: 1 } });
    await killProcess(identity, "worker");
    expect(isSameProcess(identity)).toBe(false);
  });

  test("a process that exits before announcing itself is reported, with its log", async () => {
    const logFile = join(dir, "d.log");
    // Two honest reports of one exit: a process gone before spawnDetached reads its start time is
    // refused there (which happens on a loaded machine); one gone a moment later is seen by the wait.
    let outcome: unknown;
    try {
      const identity = spawnDetached({ argv: script("console.error('bad config'); process.exit(3)"), logFile });
      outcome = await waitForJsonLine(logFile, "url", identity, { timeoutMs: 10_000 });
    } catch (error) {
      outcome = { exited: true, message: (error as Error).message };
      expect((error as Error).message).toBe(`bun exited at once: see ${logFile}`);
    }
    expect(outcome).toMatchObject({ exited: true });
    expect(readFileSync(logFile, "utf8")).toContain("bad config");
  });

  test("a missing executable is a usage error", () => {
    expect(() => spawnDetached({ argv: ["/nonexistent/server-binary"], logFile: join(dir, "e.log") })).toThrow(/cannot start \/nonexistent\/server-binary/);
  });
});

process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
