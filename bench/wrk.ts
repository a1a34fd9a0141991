// Closed-loop saturation with wrk: N connections, each sending the next check as soon as the
// last one is answered, keys drawn uniformly by bench/wrk-check.lua.
import { join } from "node:path";
import { round } from "./stats.ts";

const SCRIPT = join(import.meta.dir, "wrk-check.lua");

export interface WrkOptions {
  url: string;
  connections: number;
  threads: number;
  durationS: number;
  keys: number;
}

export interface WrkResult {
  rps: number;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  requests: number;
  /** Answers that were not 2xx (429 denials included) and socket-level errors. */
  non_2xx: number;
  socket_errors: number;
}

interface WrkDone {
  requests: number;
  duration_us: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  max_us: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const command = ["wrk", `-t${options.threads}`, `-c${options.connections}`, `-d${options.durationS}s`, "--latency", "-s", SCRIPT, options.url, "--", String(options.keys)];
  const proc = Bun.spawn(command, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const line = stdout.split("\n").find((text) => text.startsWith("{"));
  if (exitCode !== 0 || !line) throw new Error(`wrk exited ${exitCode} without a result: ${(stderr || stdout).trim().slice(-600)}`);
  const done = JSON.parse(line) as WrkDone;
  const { connect, read, write, timeout, status } = done.errors;
  const ms = (us: number) => round(us / 1000, 3);
  return {
    rps: Math.round(done.requests / (done.duration_us / 1e6)),
    p50_ms: ms(done.p50_us),
    p90_ms: ms(done.p90_us),
    p99_ms: ms(done.p99_us),
    max_ms: ms(done.max_us),
    requests: done.requests,
    non_2xx: status,
    socket_errors: connect + read + write + timeout,
  };
}
