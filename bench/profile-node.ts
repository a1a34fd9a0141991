// Where a node's CPU time goes under load: runs `ratelimiter serve` from source under
// `bun --cpu-prof` while wrk saturates it, then sums the profile's self time by package and
// by function. Run alone: bun bench/profile-node.ts [algorithm] [seconds]
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startRedis } from "../test/fixtures/redis.ts";
import { startServer, stopOnExit } from "./processes.ts";
import { runWrk } from "./wrk.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package or source file a frame belongs to: `hono`, `ioredis`, `ratelimiter/check.ts`, `(native)`. */
export function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const source = /\/((?:ratelimiter|lib|cmd)\/.+)$/.exec(url);
  if (source) return source[1]!;
  return url.startsWith("node:") || url.startsWith("bun:") || !url.startsWith("/") ? "(bun builtins)" : url;
}

export function summarizeProfile(profile: CpuProfile, top = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const total = [...selfUs.values()].reduce((sum, us) => sum + us, 0);
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const owner = ownerOf(frame.url, frame.functionName);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
    const name = `${frame.functionName || "(anonymous)"} ${owner}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  const share = (entries: Map<string, number>) =>
    [...entries].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, pct: Math.round((us / total) * 1000) / 10 }));
  return { total_ms: Math.round(total / 1000), by_package: share(byOwner), by_function: share(byFunction) };
}

if (import.meta.main) {
  const algorithm = process.argv[2] ?? "gcra";
  const seconds = Number(process.argv[3] ?? 5);
  const repoDir = join(import.meta.dir, "..");
  const dir = join(repoDir, "bench", "results", "profile");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const redis = await startRedis();
  stopOnExit(() => redis.stop());
  try {
    const node = await startServer("node", [
      "bun", "--cpu-prof", `--cpu-prof-dir=${dir}`, join(repoDir, "cmd", "main.ts"), "ratelimiter", "serve", "--port", "0", "--json",
      "--redis-url", redis.url, "--node-id", "profile", "--algorithm", algorithm, "--default-limit", "1000", "--window", "60s",
    ]);
    const wrk = await runWrk({ url: node.url, connections: 64, threads: 2, durationS: seconds, keys: 10_000 });
    console.error(`profile-node: ${algorithm} under wrk: ${wrk.rps} req/s, p99 ${wrk.p99_ms} ms`);
    await node.stop();
  } finally {
    await redis.stop();
  }
  const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile in ${dir}: did the node exit cleanly?`);
  const summary = summarizeProfile(JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile);
  for (const row of summary.by_package) console.error(`${String(row.pct).padStart(5)}%  ${row.name}`);
  console.error("");
  for (const row of summary.by_function) console.error(`${String(row.pct).padStart(5)}%  ${row.name}`);
  console.log(JSON.stringify({ algorithm, profile: join(dir, file), ...summary }, null, 2));
}
