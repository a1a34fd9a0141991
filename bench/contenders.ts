// The servers a run measures: our node, one per algorithm, and the three HTTP peers. Each
// prints a JSON line with its url first and answers POST /api/v1/check the same way.
import { join } from "node:path";
import { ALGORITHMS, type Algorithm, type BenchSettings } from "./settings.ts";

export const PEERS = [
  { id: "http_ceiling", label: "(b) bare Bun.serve, no Redis", script: "http-ceiling.ts", runtime: "bun", openLoop: true },
  { id: "node_flexible", label: "(c) node:http + rate-limiter-flexible", script: "node-flexible.mjs", runtime: "node", openLoop: false },
  { id: "bun_ioredis_gcra", label: "(d) Bun.serve + ioredis auto-pipelining + the algorithm's own script", script: "bun-ioredis-gcra.ts", runtime: "bun", openLoop: true },
  { id: "bun_redis_gcra", label: "(e) (d) with Bun's RedisClient, for information", script: "bun-redis-gcra.ts", runtime: "bun", openLoop: false },
] as const;
export type PeerId = (typeof PEERS)[number]["id"];

/** A peer's command; `script` (for (d)): the node's own script of one algorithm, called the node's way. */
export function peerCommand(peer: (typeof PEERS)[number], settings: BenchSettings, redisUrl: string, script?: NodeScript): string[] {
  const file = join(settings.repoDir, "bench", "peers", peer.script);
  const given = script ? ["--script", script.file, "--keys", script.keys, "--algorithm", script.algorithm] : [];
  return [peer.runtime, file, "--port", "0", "--redis-url", redisUrl, "--limit", String(settings.limit), "--window-ms", String(settings.windowMs), ...given];
}

/** The node runs with its defaults: only the limit, the window and the algorithm are set. */
export function oursCommand(settings: BenchSettings, redisUrl: string, algorithm: Algorithm, nodeId: string): string[] {
  return [
    settings.binary, "ratelimiter", "serve", "--port", "0", "--json", "--redis-url", redisUrl, "--node-id", nodeId,
    "--algorithm", algorithm, "--default-limit", String(settings.limit), "--window", `${settings.windowMs / 1000}s`,
  ];
}

const KEYS_MODULE = "../ratelimiter/keys.ts";

export interface NodeScript {
  algorithm: Algorithm;
  /** A temp file holding the script text exactly as the node defines it. */
  file: string;
  /** The KEYS the node passes, as templates of the user key (%s): block, limit, counter. */
  keys: string;
}

/** The node's check script of `algorithm` (its text unchanged), for peer (d); null when this tree has none. */
export async function nodeScript(algorithm: Algorithm, dir: string): Promise<NodeScript | null> {
  let lua: string | undefined;
  const recorder: Record<string, unknown> = {
    defineCommand(name: string, definition: { lua: string }) {
      lua ??= definition.lua;
      recorder[name] = async () => undefined;
    },
  };
  try {
    const scripts = (await import(SCRIPTS_MODULE)) as { defineCheckScripts?: (client: unknown, algorithm: Algorithm) => unknown };
    const keys = (await import(KEYS_MODULE)) as { BLOCK_SUFFIX: string; LIMIT_SUFFIX: string; COUNTER_SUFFIX: Record<Algorithm, string>; tagOf(key: string): string };
    scripts.defineCheckScripts?.(recorder, algorithm);
    if (!lua) return null;
    const file = join(dir, `node-${algorithm}.lua`);
    await Bun.write(file, lua);
    const tag = keys.tagOf("%s");
    return { algorithm, file, keys: [tag + keys.BLOCK_SUFFIX, tag + keys.LIMIT_SUFFIX, tag + keys.COUNTER_SUFFIX[algorithm]].join(",") };
  } catch {
    return null;
  }
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

export interface NodeCounts {
  /** Checks answered 200 or 429 (decided), by Redis or by the fail policy. */
  decided: number;
  fallback: number;
  shed: number;
}

/** The node's decision counts from GET /api/v1/node, or null when it has none. */
export async function nodeCounts(url: string): Promise<NodeCounts | null> {
  try {
    const { decisions } = (await (await fetch(`${url}/api/v1/node`)).json()) as { decisions?: { allowed: number; denied: number; fallback: number; shed?: number } };
    return decisions ? { decided: decisions.allowed + decisions.denied, fallback: decisions.fallback, shed: decisions.shed ?? 0 } : null;
  } catch {
    return null;
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
