// The servers a run measures: our node, one per algorithm, and the three HTTP peers. Each
// prints a JSON line with its url first and answers POST /api/v1/check the same way.
import { join } from "node:path";
import { ALGORITHMS, type Algorithm, type BenchSettings } from "./settings.ts";

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

// A check that times out is decided by the fail policy without Redis: cheaper, so it would flatter
// the figures. 1 s keeps every check on Redis even on a loaded machine (the default is 50 ms).
export const NODE_REDIS_TIMEOUT = "1s";

export function oursCommand(settings: BenchSettings, redisUrl: string, algorithm: Algorithm, nodeId: string): string[] {
  return [
    settings.binary, "ratelimiter", "serve", "--port", "0", "--json", "--redis-url", redisUrl, "--node-id", nodeId,
    "--algorithm", algorithm, "--default-limit", String(settings.limit), "--window", `${settings.windowMs / 1000}s`, "--redis-timeout", NODE_REDIS_TIMEOUT,
  ];
}

// Read at run time, not type-checked: the bench keeps working while the node's module evolves.
const SCRIPTS_MODULE = "../ratelimiter/algorithms/scripts.ts";

/**
 * Every Lua script our node defines, composed by the node's own code: each exported define*()
 * of its scripts module is handed a stand-in client that records what it is asked to define,
 * once per algorithm. Empty when the tree has no such module.
 */
export async function ourScriptSources(): Promise<string[]> {
  const sources = new Set<string>();
  const recorder: Record<string, unknown> = {
    defineCommand(name: string, definition: { lua: string }) {
      sources.add(definition.lua);
      recorder[name] = async () => undefined;
    },
  };
  try {
    const module = (await import(SCRIPTS_MODULE)) as Record<string, unknown>;
    for (const [name, define] of Object.entries(module)) {
      if (typeof define !== "function" || !name.startsWith("define")) continue;
      for (const algorithm of ALGORITHMS) {
        try {
          define(recorder, algorithm);
        } catch {
          // a define* with another shape: its scripts are simply not offered
        }
      }
    }
  } catch {
    // no scripts module in this tree
  }
  return [...sources];
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
