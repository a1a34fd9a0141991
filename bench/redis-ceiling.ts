// Reference (a), the Redis-bound ceiling: find the exact script call a server makes for one
// check (by MONITOR), then let redis-benchmark run that same EVALSHA with keys spread over the
// same key count, with no HTTP and no server in between.
import Redis from "ioredis";
import { round } from "./stats.ts";

export interface ScriptCall {
  /** Every command the server sent Redis for one warm check (scripts' inner calls left out). */
  commandsPerCheck: string[][];
  /** The EVALSHA among them with the probe key replaced by `k__rand_int__`; null if there was none. */
  evalsha: string[] | null;
  /** Whether one of the given sources, sent with SCRIPT LOAD, gave the SHA the server sent (null: no sources given). */
  shaMatchesSource: boolean | null;
}

const PROBE_KEY = "benchprobe7";

async function postCheck(serverUrl: string, key: string): Promise<void> {
  const response = await fetch(`${serverUrl}/api/v1/check`, { method: "POST", body: JSON.stringify({ key, cost: 1 }), headers: { "Content-Type": "application/json" } });
  await response.arrayBuffer();
  if (response.status !== 200 && response.status !== 429) throw new Error(`${serverUrl}/api/v1/check answered ${response.status} to a probe`);
}

/** Captures one check's Redis traffic; `sources` are the scripts the server may run, one of which is loaded with SCRIPT LOAD. */
export async function captureScriptCall(redisUrl: string, serverUrl: string, sources: string[] = []): Promise<ScriptCall> {
  const client = new Redis(redisUrl, { lazyConnect: true });
  await client.connect();
  const monitor = await client.monitor();
  const seen: string[][] = [];
  let recording = false;
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    if (recording && source !== "lua" && args[0]?.toLowerCase() !== "monitor") seen.push(args);
  });
  try {
    await postCheck(serverUrl, PROBE_KEY); // loads the script (NOSCRIPT, then EVAL) and warms caches
    await Bun.sleep(50);
    recording = true;
    await postCheck(serverUrl, PROBE_KEY);
    const deadline = Date.now() + 2_000;
    while (!seen.some(isProbeScriptCall) && Date.now() < deadline) await Bun.sleep(10);
    await Bun.sleep(50); // commands sent after the script in the same check
  } finally {
    recording = false;
    monitor.disconnect();
    client.disconnect();
  }
  const call = seen.find(isProbeScriptCall);
  let shaMatchesSource: boolean | null = null;
  if (sources.length > 0) {
    const source = sources.find((text) => new Bun.CryptoHasher("sha1").update(text).digest("hex") === call?.[1]);
    shaMatchesSource = false;
    if (source !== undefined) {
      const loader = new Redis(redisUrl);
      try {
        shaMatchesSource = (await loader.script("LOAD", source)) === call?.[1];
      } finally {
        loader.disconnect();
      }
    }
  }
  return { commandsPerCheck: seen, evalsha: call ? call.map((arg) => arg.replaceAll(PROBE_KEY, "k__rand_int__")) : null, shaMatchesSource };
}

const isProbeScriptCall = (args: string[]) => args[0]?.toLowerCase() === "evalsha" && args.some((arg) => arg.includes(PROBE_KEY));

export interface RedisBenchmarkResult {
  rps: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

export async function runRedisBenchmark(options: { host: string; port: number; command: string[]; connections: number; requests: number; keys: number }): Promise<RedisBenchmarkResult> {
  const argv = ["redis-benchmark", "-h", options.host, "-p", String(options.port), "-c", String(options.connections), "-n", String(options.requests), "-r", String(options.keys), "--csv", ...options.command];
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  // --csv: a header line, then "name","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const rows = stdout.trim().split("\n").map((line) => line.split(",").map((cell) => cell.replace(/^"|"$/g, "")));
  const header = rows[0] ?? [];
  const row = rows[1];
  if (exitCode !== 0 || !row || /error/i.test(stderr + stdout.slice(0, 200))) throw new Error(`redis-benchmark failed (exit ${exitCode}): ${(stderr || stdout).trim().slice(-600)}`);
  const cell = (name: string) => Number(row[header.indexOf(name)]);
  return { rps: Math.round(cell("rps")), p50_ms: round(cell("p50_latency_ms"), 3), p99_ms: round(cell("p99_latency_ms"), 3) };
}
