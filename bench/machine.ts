// The machine a run measured: cores, versions, and the load average (other work on a shared
// machine shows up there, and in the figures).
import { cpus, loadavg, totalmem } from "node:os";

async function firstLine(command: string[], pattern: RegExp): Promise<string | null> {
  try {
    const proc = Bun.spawn(command, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return pattern.exec(stdout + stderr)?.[1] ?? null;
  } catch {
    return null;
  }
}

export interface Machine {
  cores: number;
  cpu: string;
  memory_gb: number;
  node: string | null;
  bun: string;
  redis: string | null;
  wrk: string | null;
  load_average: number[];
}

export async function describeMachine(): Promise<Machine> {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memory_gb: Math.round(totalmem() / 2 ** 30),
    node: await firstLine(["node", "--version"], /v?([\d.]+)/),
    bun: Bun.version,
    redis: await firstLine(["redis-server", "--version"], /v=([\d.]+)/),
    wrk: await firstLine(["wrk", "-v"], /wrk (?:debian\/)?([\d.]+)/),
    load_average: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}
