// Which process a pid is: its start time from /proc/<pid>/stat, so that a pid the kernel gave to
// someone else after ours exited is never mistaken for ours (and never signalled).
import { readFileSync } from "node:fs";

/** A process as recorded when it was started. */
export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot at which it started. */
  startTime: number;
}

interface ProcStat {
  state: string;
  startTime: number;
}

function readStat(pid: number): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name sits in parentheses and may itself hold spaces or ')': split after the last one.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0]!, startTime: Number(fields[19]) };
}

/** The start time of a live process, or undefined when there is none (gone, or a zombie). */
export function processStartTime(pid: number): number | undefined {
  const stat = readStat(pid);
  return stat && stat.state !== "Z" && stat.state !== "X" ? stat.startTime : undefined;
}

/** True while `identity` names the very process that was recorded, alive. */
export function isSameProcess(identity: ProcessIdentity): boolean {
  return processStartTime(identity.pid) === identity.startTime;
}

/** True when the process is stopped by a signal (SIGSTOP): alive, but answering nothing. */
export function isStopped(identity: ProcessIdentity): boolean {
  const stat = readStat(identity.pid);
  return stat !== undefined && stat.startTime === identity.startTime && stat.state === "T";
}
