// Detached processes: started in their own session with a log file, recorded by pid and start
// time, stopped only when that pid is still the process we started.
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { unreachableError, usageError } from "../cli/errors.ts";
import { isSameProcess, isStopped, processStartTime, type ProcessIdentity } from "./identity.ts";
import { OWNER_ENV } from "./owner.ts";
import { waitFor } from "./wait.ts";

export interface SpawnSpec {
  argv: string[];
  /** stdout and stderr both go here (appended). */
  logFile: string;
  /** Default: this process's own environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** The state dir (absolute) whose deployment this process belongs to: marked in its environment (see owner.ts). */
  owner?: string;
}

/** Starts `argv` detached (its own session, outliving us) and returns who it is. */
export function spawnDetached(spec: SpawnSpec): ProcessIdentity {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const fd = openSync(spec.logFile, "a");
  let pid: number;
  try {
    const env = spec.owner === undefined ? spec.env : { ...(spec.env ?? process.env), [OWNER_ENV]: spec.owner };
    const child = Bun.spawn(spec.argv, { detached: true, stdio: ["ignore", fd, fd], env, cwd: spec.cwd });
    child.unref();
    pid = child.pid;
  } catch (error) {
    throw usageError("spawn_failed", `cannot start ${spec.argv[0]}: ${(error as Error).message}`, { cause: error });
  } finally {
    closeSync(fd);
  }
  const startTime = processStartTime(pid);
  if (startTime === undefined) throw usageError("spawn_failed", `${spec.argv[0]} exited at once: see ${spec.logFile}`);
  return { pid, startTime };
}

/** `survived`: still running after SIGKILL (stuck in the kernel): the one outcome that is a failure. */
export type StopOutcome = "stopped" | "killed" | "gone" | "not-ours" | "survived";

/**
 * Stops a recorded process: SIGTERM (and SIGCONT, so a paused one can act on it), then SIGKILL
 * after `graceMs`. A pid that is no longer the recorded process is left alone ("not-ours").
 */
export async function stopProcess(identity: ProcessIdentity, options: { graceMs?: number } = {}): Promise<StopOutcome> {
  if (processStartTime(identity.pid) === undefined) return "gone";
  if (!isSameProcess(identity)) return "not-ours";
  signal(identity, "SIGTERM");
  if (isStopped(identity)) signal(identity, "SIGCONT");
  const gone = () => !isSameProcess(identity);
  if (await waitFor(gone, { timeoutMs: options.graceMs ?? 5000, intervalMs: 25 })) return "stopped";
  signal(identity, "SIGKILL");
  return (await waitFor(gone, { timeoutMs: 2000, intervalMs: 25 })) ? "killed" : "survived";
}

/** SIGKILL for the recorded process (a crash, as a fault injects it); `kill_failed` naming `what` when it is still there 5 s later. */
export async function killProcess(identity: ProcessIdentity, what: string): Promise<void> {
  signal(identity, "SIGKILL");
  if (!(await waitFor(() => !isSameProcess(identity), { timeoutMs: 5_000 }))) throw unreachableError("kill_failed", `${what} pid ${identity.pid} survived SIGKILL`);
}

/** Sends a signal to the recorded process only; false when it is gone or no longer ours. */
export function signal(identity: ProcessIdentity, name: NodeJS.Signals): boolean {
  if (!isSameProcess(identity)) return false;
  try {
    process.kill(identity.pid, name);
    return true;
  } catch {
    return false;
  }
}

export type StartLine = { line: Record<string, unknown> } | { exited: true } | { timedOut: true };

/**
 * Waits for the first line of `logFile` that parses as a JSON object with `key` (a process's
 * "I listen here" line); stops early when `identity` exits.
 */
export async function waitForJsonLine(logFile: string, key: string, identity: ProcessIdentity, options: { timeoutMs: number; signal?: AbortSignal; fromOffset?: number }): Promise<StartLine> {
  const found = await waitFor<StartLine | undefined>(
    () => {
      const line = findJsonLine(readText(logFile, options.fromOffset), key);
      if (line) return { line };
      return isSameProcess(identity) ? undefined : { exited: true };
    },
    { timeoutMs: options.timeoutMs, intervalMs: 25, signal: options.signal },
  );
  return found ?? { timedOut: true };
}

function findJsonLine(text: string, key: string): Record<string, unknown> | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed && typeof parsed === "object" && key in parsed) return parsed;
    } catch {
      // a log line that merely starts with a brace
    }
  }
  return undefined;
}

function readText(file: string, fromOffset = 0): string {
  try {
    return readFileSync(file).subarray(fromOffset).toString("utf8");
  } catch {
    return "";
  }
}

/** The size of a log now: a restarted process's start line comes after it. */
export function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The last `lines` lines of a log, for error messages that point at the cause. */
export function logTail(file: string, lines = 5): string {
  return readText(file).trimEnd().split("\n").slice(-lines).join(" | ");
}
