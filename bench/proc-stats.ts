// What /proc says about a process: CPU time used (to tell how busy a server was during a run)
// and resident memory (VmRSS now, VmHWM its peak).
import { readFileSync } from "node:fs";

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU milliseconds `pid` has used so far; null when it is gone. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export interface MemoryMb {
  rss: number;
  hwm: number;
}

/** VmRSS and VmHWM of `pid` in MB (MiB); null when it is gone. */
export function memoryMb(pid: number): MemoryMb | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
    return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
  } catch {
    return null;
  }
}

/** Measures the share of one core each pid used while `work` ran (100 = one full core). */
export async function withCpuShare<T>(pids: Record<string, number>, work: () => Promise<T>): Promise<{ result: T; cpuPercent: Record<string, number | null> }> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));
  const startedAt = performance.now();
  const result = await work();
  const elapsedMs = performance.now() - startedAt;
  const cpuPercent: Record<string, number | null> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const start = before[name];
    const end = cpuMs(pid);
    cpuPercent[name] = start === null || start === undefined || end === null ? null : Math.round(((end - start) / elapsedMs) * 100);
  }
  return { result, cpuPercent };
}
