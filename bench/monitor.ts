// Monitor cost: the time of one monitor cycle (observe every node and Redis, check every invariant,
// write tickets) on 3 node processes under light traffic, with Redis almost empty and then holding
// 1,000,000 counter keys. Run alone: `bun bench/monitor.ts` prints one JSON document on stdout.
// MONITOR_BENCH_CYCLES (default 60) and MONITOR_BENCH_KEYS (default 1000000) change the size.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { runMonitor } from "../lib/monitor/monitor.ts";
import { openState } from "../lib/state/state.ts";
import plugin from "../subjects/ratelimiter/index.ts";
import { check, spawnServe, type ServeProcess } from "../test/fixtures/node.ts";
import { startRedis, type RedisServer } from "../test/fixtures/redis.ts";

export interface CycleFigures {
  cycles: number;
  median_ms: number;
  p90_ms: number;
  max_ms: number;
}

export interface MonitorBench {
  nodes: number;
  interval_ms: number;
  /** One cycle on 3 nodes under light traffic, Redis holding only their few counters (issue 5: median under 50 ms). */
  cycle_empty_redis: CycleFigures;
  /** The same with `counter_keys` idle counters in Redis. */
  cycle_million_keys: CycleFigures;
  counter_keys: number;
  /** cycle_million_keys.median_ms / cycle_empty_redis.median_ms (issue 5: at most 2). */
  ratio_million_vs_empty: number;
  /** 1-minute load average before and after: the figures are this machine's, shared or not. */
  load_average: [number, number];
}

const log = (message: string) => console.error(`bench monitor: ${message}`);
const round = (n: number) => Math.round(n * 100) / 100;

function figures(samples: number[]): CycleFigures {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { cycles: sorted.length, median_ms: round(at(0.5)), p90_ms: round(at(0.9)), max_ms: round(sorted.at(-1)!) };
}

/** `count` cycles of the real loop on a fresh state dir; the first (connections, baselines) is left out. */
async function measureCycles(targets: string[], redisUrl: string, count: number, intervalMs: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), "operator-bench-monitor-"));
  const state = openState(dir);
  const subject = await plugin.open({ targets, redisUrl, httpTimeout: 1_000, keySample: 200 }, { stateDir: dir });
  const took: number[] = [];
  const controller = new AbortController();
  try {
    await runMonitor({
      subject, state, intervalMs, graceScale: 1, observeTimeoutMs: 5_000, once: false, signal: controller.signal,
      emit: (type, data) => {
        if (type !== "cycle") return;
        if ((data.cycle as number) > 1) took.push(data.took_ms as number);
        if (took.length >= count) controller.abort();
      },
    });
  } finally {
    await subject.close();
    state.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return took;
}

/** Light steady traffic on a few keys, so hot keys and counters exist while cycles are measured. */
function backgroundTraffic(urls: string[], signal: AbortSignal): Promise<void> {
  return (async () => {
    let i = 0;
    while (!signal.aborted) {
      await Promise.all(urls.map((url, n) => check(url, `bench:user:${(i + n) % 20}`).catch(() => undefined)));
      i += 1;
      await Bun.sleep(20);
    }
  })();
}

/** Idle sliding-window counters with a healthy TTL (under the 2-window bound), as a busy deployment leaves them. */
async function populate(redis: RedisServer, total: number): Promise<void> {
  const chunk = 50_000;
  const script = "local from, to = tonumber(ARGV[1]), tonumber(ARGV[2]) for i = from, to do redis.call('SET', 'ratelimit:{bench:idle:' .. i .. '}:sw:1', '1', 'PX', 110000) end return to";
  for (let from = 1; from <= total; from += chunk) {
    await redis.cli("EVAL", script, "0", String(from), String(Math.min(total, from + chunk - 1)));
  }
}

export async function measureMonitor(options: { cycles?: number; keys?: number; intervalMs?: number } = {}): Promise<MonitorBench> {
  const cycles = options.cycles ?? 60;
  const keys = options.keys ?? 1_000_000;
  const intervalMs = options.intervalMs ?? 100;
  const redis = await startRedis();
  const nodes: ServeProcess[] = [];
  const traffic = new AbortController();
  try {
    for (const id of ["a", "b", "c"]) {
      nodes.push(await spawnServe(["--json", "--port", "0", "--node-id", id, "--redis-url", redis.url, "--default-limit", "1000"]));
    }
    const urls = nodes.map((n) => (JSON.parse(n.startLine) as { url: string }).url);
    const load = backgroundTraffic(urls, traffic.signal);
    const loadBefore = round(loadavg()[0]!);
    log(`3 nodes up; warming up, then ${cycles} cycles every ${intervalMs} ms`);
    await measureCycles(urls, redis.url, 20, intervalMs);
    const empty = await measureCycles(urls, redis.url, cycles, intervalMs);
    log(`writing ${keys} counter keys`);
    await populate(redis, keys);
    log(`${await redis.cli("DBSIZE")} keys in Redis; measuring again`);
    const million = await measureCycles(urls, redis.url, cycles, intervalMs);
    traffic.abort();
    await load;
    const emptyFigures = figures(empty);
    const millionFigures = figures(million);
    return {
      nodes: 3,
      interval_ms: intervalMs,
      cycle_empty_redis: emptyFigures,
      cycle_million_keys: millionFigures,
      counter_keys: keys,
      ratio_million_vs_empty: round(millionFigures.median_ms / emptyFigures.median_ms),
      load_average: [loadBefore, round(loadavg()[0]!)],
    };
  } finally {
    traffic.abort();
    await Promise.all(nodes.map((n) => n.stop()));
    await redis.stop();
  }
}

if (import.meta.main) {
  const result = await measureMonitor({
    cycles: Number(process.env.MONITOR_BENCH_CYCLES ?? 60),
    keys: Number(process.env.MONITOR_BENCH_KEYS ?? 1_000_000),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
