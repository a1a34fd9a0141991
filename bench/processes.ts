// The servers a bench run starts: each prints one JSON line with its `url` first (a node, a
// peer), is polled until GET /health answers 200, and is stopped by its own pid. Everything
// started is also stopped when the run is interrupted.
import type { Subprocess } from "bun";

export interface Server {
  name: string;
  url: string;
  pid: number;
  /** The JSON object the server printed as its first stdout line. */
  startLine: Record<string, unknown>;
  /** Milliseconds from spawn to the first line, and to the first 200 from /health. */
  announcedMs: number;
  healthyMs: number;
  stop(): Promise<void>;
}

const stoppers = new Set<() => Promise<void>>();

/** Registers `stop` to run if the bench is interrupted; returns a function that unregisters it. */
export function stopOnExit(stop: () => Promise<void>): () => void {
  stoppers.add(stop);
  return () => stoppers.delete(stop);
}

export async function stopEverything(): Promise<void> {
  await Promise.allSettled([...stoppers].map((stop) => stop()));
  stoppers.clear();
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.error(`bench: ${signal}, stopping every process it started`);
    void stopEverything().finally(() => process.exit(130));
  });
}

async function readFirstLine(proc: Subprocess<"ignore", "pipe", "pipe">, timeoutMs: number): Promise<string> {
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const timeout = Bun.sleep(timeoutMs).then(() => null);
  try {
    while (!text.includes("\n")) {
      const chunk = await Promise.race([reader.read(), timeout]);
      if (chunk === null || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
  return text.split("\n")[0] ?? "";
}

async function collectTail(stream: ReadableStream<Uint8Array>, tail: { text: string }): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) tail.text = (tail.text + decoder.decode(chunk, { stream: true })).slice(-4000);
}

export async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = "no answer";
  while (performance.now() < deadline) {
    try {
      const response = await fetch(`${url}/health`);
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await Bun.sleep(2);
  }
  throw new Error(`${url}/health did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

export async function startServer(name: string, command: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<Server> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const spawnedAt = performance.now();
  const proc = Bun.spawn(command, { cwd: options.cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const stderr = { text: "" };
  void collectTail(proc.stderr, stderr).catch(() => {});
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unregister();
    proc.kill("SIGTERM");
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5_000).then(() => false)]);
    if (!exited) {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  };
  const unregister = stopOnExit(stop);
  try {
    const line = await readFirstLine(proc, timeoutMs);
    const announcedMs = performance.now() - spawnedAt;
    let startLine: Record<string, unknown>;
    try {
      startLine = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${name} printed no JSON start line (got ${JSON.stringify(line)}); stderr: ${stderr.text.trim().slice(-600)}`);
    }
    if (typeof startLine.url !== "string") throw new Error(`${name}'s start line has no url: ${line}`);
    const url = startLine.url.replace(/\/$/, "");
    void proc.stdout.pipeTo(new WritableStream()).catch(() => {});
    await waitHealthy(url, timeoutMs);
    return { name, url, pid: proc.pid, startLine, announcedMs, healthyMs: performance.now() - spawnedAt, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
