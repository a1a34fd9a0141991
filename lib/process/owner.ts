// Whose a detached process is, found without any record: every process a deployment starts (its
// parts, a restart, a fault's driver, the chaos watchdog) carries its state dir in its environment,
// so teardown finds one that no record names (a restart in flight, a down that was killed).
import { readdirSync, readFileSync } from "node:fs";
import { processStartTime, type ProcessIdentity } from "./identity.ts";

/** The environment variable that marks a process: its value is the absolute state dir that owns it. */
export const OWNER_ENV = "OPERATOR_OWNER";

/** A live process that carries an owner's mark, as found in /proc. */
export interface OwnedProcess extends ProcessIdentity {
  /** Its command line, split as it was started. */
  argv: string[];
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    // gone meanwhile, or another user's (unreadable): not ours either way
    return undefined;
  }
}

/** Every live process (but this one) whose environment names `owner`; /proc's environ is the one it started with. */
export function ownedProcesses(owner: string): OwnedProcess[] {
  const mark = `${OWNER_ENV}=${owner}`;
  const found: OwnedProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = read(`/proc/${entry}/environ`);
    if (!environ?.split("\0").includes(mark)) continue;
    const pid = Number(entry);
    const startTime = processStartTime(pid);
    const cmdline = read(`/proc/${entry}/cmdline`);
    if (startTime === undefined || cmdline === undefined) continue;
    found.push({ pid, startTime, argv: cmdline.split("\0").filter(Boolean) });
  }
  return found;
}

/**
 * A short name for a process found by its mark: what it runs, without its flags
 * (`operator chaos watchdog`, or the first word of any other command line).
 */
export function nameOf(argv: string[], selfCommand: string[]): string {
  const isSelf = selfCommand.length > 0 && selfCommand.every((word, i) => argv[i] === word);
  if (!isSelf) return argv[0]?.split("/").at(-1) ?? "?";
  const words = argv.slice(selfCommand.length);
  const flagAt = words.findIndex((w) => w.startsWith("-"));
  return ["operator", ...(flagAt < 0 ? words : words.slice(0, flagAt))].join(" ");
}
