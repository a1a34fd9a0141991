// CPU per check of a node run from source: starts a private redis-server and `ratelimiter serve`
// from the tree given (default: this one), saturates it with wrk, and prints one JSON line with the
// node's CPU µs per answered check (steady on a busy machine, unlike req/s). For A/B runs of two
// trees. Run: bun bench/node-cpu.ts [repoDir] [algorithm] [seconds] [-- extra serve flags]
import { join } from "node:path";
import { startRedis } from "../test/fixtures/redis.ts";
import { startServer, stopOnExit } from "./processes.ts";
import { cpuMs } from "./proc-stats.ts";
import { runWrk } from "./wrk.ts";

const dash = process.argv.indexOf("--");
const positional = dash < 0 ? process.argv.slice(2) : process.argv.slice(2, dash);
const extra = dash < 0 ? [] : process.argv.slice(dash + 1);
const [repoDir = join(import.meta.dir, ".."), algorithm = "gcra", seconds = "5"] = positional;
const redis = await startRedis();
stopOnExit(() => redis.stop());
try {
  const node = await startServer("node", [
    "bun", join(repoDir, "cmd", "main.ts"), "ratelimiter", "serve", "--port", "0", "--json", "--redis-url", redis.url,
    "--algorithm", algorithm, "--default-limit", "1000", "--window", "60s", ...extra,
  ]);
  const wrk = { url: node.url, connections: 64, threads: 2, keys: 10_000 };
  await runWrk({ ...wrk, durationS: 1 });
  const before = cpuMs(node.pid)!;
  const result = await runWrk({ ...wrk, durationS: Number(seconds) });
  const used = cpuMs(node.pid)! - before;
  await node.stop();
  console.log(JSON.stringify({ repo: repoDir, algorithm, rps: result.rps, non_2xx: result.non_2xx, cpu_us_per_check: Math.round((used * 1000) / result.requests) }));
} finally {
  await redis.stop();
}
