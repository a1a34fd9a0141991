// The servers a run measures: our node, one per algorithm, and the three HTTP peers. Each
// prints a JSON line with its url first and answers POST /api/v1/check the same way.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Algorithm, BenchSettings } from "./settings.ts";

export const PEERS = [
  { id: "http_ceiling", label: "(b) bare Bun.serve, no Redis", script: "http-ceiling.ts", runtime: "bun", openLoop: true },
  { id: "node_flexible", label: "(c) node:http + rate-limiter-flexible", script: "node-flexible.mjs", runtime: "node", openLoop: false },
  { id: "bun_ioredis_gcra", label: "(d) Bun.serve + ioredis auto-pipelining + GCRA", script: "bun-ioredis-gcra.ts", runtime: "bun", openLoop: true },
  { id: "bun_redis_gcra", label: "(e) (d) with Bun's RedisClient, for information", script: "bun-redis-gcra.ts", runtime: "bun", openLoop: false },
] as const;
export type PeerId = (typeof PEERS)[number]["id"];

export function peerCommand(peer: (typeof PEERS)[number], settings: BenchSettings, redisUrl: string): string[] {
  const script = join(settings.repoDir, "bench", "peers", peer.script);
  return [peer.runtime, script, "--port", "0", "--redis-url", redisUrl, "--limit", String(settings.limit), "--window-ms", String(settings.windowMs)];
}

export function oursCommand(settings: BenchSettings, redisUrl: string, algorithm: Algorithm, nodeId: string): string[] {
  return [
    settings.binary, "ratelimiter", "serve", "--port", "0", "--json", "--redis-url", redisUrl, "--node-id", nodeId,
    "--algorithm", algorithm, "--default-limit", String(settings.limit), "--window", `${settings.windowMs / 1000}s`,
  ];
}

/** The source of our check script for `algorithm` (the prelude, then the algorithm's body), if the tree has it. */
export function ourScriptSource(settings: BenchSettings, algorithm: Algorithm): string | undefined {
  const dir = join(settings.repoDir, "ratelimiter", "algorithms");
  const files = [join(dir, "prelude.lua"), join(dir, `${algorithm}.lua`)];
  return files.every((file) => existsSync(file)) ? files.map((file) => readFileSync(file, "utf8")).join("") : undefined;
}

/** Whether the binary has `ratelimiter serve` yet (the node may not have landed). */
export async function hasOurNode(settings: BenchSettings): Promise<boolean> {
  try {
    const proc = Bun.spawn([settings.binary, "ratelimiter", "serve", "--help"], { stdout: "ignore", stderr: "ignore", stdin: "ignore" });
    return (await proc.exited) === 0;
  } catch {
    return false;
  }
}

/** The sum of `ratelimiter_fallback_decisions_total` a node reports: non-zero means some checks never reached Redis. */
export async function fallbackDecisions(url: string): Promise<number | null> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const lines = text.split("\n").filter((line) => line.startsWith("ratelimiter_fallback_decisions_total"));
    return lines.reduce((sum, line) => sum + Number(line.trim().split(/\s+/).at(-1)), 0);
  } catch {
    return null;
  }
}
