// A minimal open-loop client: sends POST /api/v1/check at a fixed rate whatever the server does,
// and measures each latency from the request's intended send time (no coordinated omission).
// Runnable alone: bun bench/open-loop.ts --url http://127.0.0.1:8080 --rate 5000 --duration-ms 5000
import { parseArgs } from "node:util";
import { HttpConnectionPool } from "./http-connection-pool.ts";
import { quantileSorted, round } from "./stats.ts";

export interface OpenLoopOptions {
  url: string;
  rate: number; // requests per second
  durationMs: number;
  keys: number;
  /** Sent at the same rate before the measured requests and not recorded (JIT, connections). */
  warmupMs?: number;
  drainTimeoutMs?: number;
}

export interface OpenLoopReport {
  requests: number;
  achieved_rate: number;
  allowed: number;
  denied: number;
  /** Counts by kind; other clients may add kinds of their own. */
  errors: { status: number; network: number; timeout: number } & Record<string, number>;
  latency_ms: { p50: number | null; p90: number | null; p99: number | null; p999: number | null; max: number | null };
  send_lag_ms: { p99: number | null; max: number | null };
}

/** How many requests are due by `elapsedMs` after the start, at `rate` per second (the first at 0). */
export function dueCount(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000) + 1);
}

// Sends are 200 µs apart at 5,000 req/s, far finer than the event loop's 1 ms timers, and a
// futex park (Atomics.wait) adds its wake-up, ~0.25 ms here, to every latency it observes. So
// the pacer spins on setImmediate, which lets sockets be read between sends: it costs one core
// for the run and measures the server, not the client's sleep.
const WARM_CONNECTIONS = 16;
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Calls `fire` for `total` requests at `rate`, each with its intended time and how late it went out. */
async function pace(total: number, rate: number, fire: (index: number, intendedAt: number, lagMs: number) => void): Promise<{ startedAt: number; endedAt: number }> {
  const intervalMs = 1000 / rate;
  const startedAt = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    const due = dueCount(now - startedAt, rate, total);
    for (; sent < due; sent++) {
      const intendedAt = startedAt + sent * intervalMs;
      fire(sent, intendedAt, now - intendedAt);
    }
    await yieldToIo();
  }
  return { startedAt, endedAt: performance.now() };
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopReport> {
  const total = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const latencies = new Float64Array(total).fill(Number.NaN);
  const sendLags = new Float64Array(total);
  const counts = { allowed: 0, denied: 0, status: 0, network: 0 };
  const target = new URL(options.url);
  const host = target.hostname;
  const port = Number(target.port || 80);
  const pool = new HttpConnectionPool(host, port);
  await pool.warm(WARM_CONNECTIONS);
  let inFlight = 0;

  const send = (onDone: (status: number) => void) => {
    inFlight++;
    const body = `{"key":"k${Math.floor(Math.random() * options.keys)}","cost":1}`;
    const request = `POST /api/v1/check HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    pool.send({
      request,
      done(status) {
        inFlight--;
        onDone(status);
      },
      fail() {
        inFlight--;
        counts.network++;
      },
    });
  };

  const warmupCount = Math.round((options.rate * (options.warmupMs ?? 500)) / 1000);
  await pace(warmupCount, options.rate, () => send(() => {}));
  counts.network = 0;
  const { startedAt, endedAt } = await pace(total, options.rate, (index, intendedAt, lagMs) => {
    sendLags[index] = lagMs;
    send((status) => {
      latencies[index] = performance.now() - intendedAt;
      if (status === 200) counts.allowed++;
      else if (status === 429) counts.denied++;
      else counts.status++;
    });
  });
  const drainDeadline = endedAt + (options.drainTimeoutMs ?? 2_000);
  while (inFlight > 0 && performance.now() < drainDeadline) await Bun.sleep(1);
  pool.close();

  const answered = latencies.filter((value) => !Number.isNaN(value)).sort();
  const lags = sendLags.sort();
  const toMs = (value: number) => round(value, 3);
  return {
    requests: total,
    achieved_rate: Math.round(total / ((endedAt - startedAt) / 1000)),
    allowed: counts.allowed,
    denied: counts.denied,
    errors: { status: counts.status, network: counts.network, timeout: total - answered.length - counts.network },
    latency_ms: {
      p50: toMs(quantileSorted(answered, 0.5)),
      p90: toMs(quantileSorted(answered, 0.9)),
      p99: toMs(quantileSorted(answered, 0.99)),
      p999: toMs(quantileSorted(answered, 0.999)),
      max: toMs(answered.at(-1) ?? Number.NaN),
    },
    send_lag_ms: { p99: toMs(quantileSorted(lags, 0.99)), max: toMs(lags.at(-1) ?? Number.NaN) },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      rate: { type: "string", default: "5000" },
      "duration-ms": { type: "string", default: "5000" },
      keys: { type: "string", default: "10000" },
    },
  });
  if (!values.url) {
    console.error("open-loop: --url is required, e.g. --url http://127.0.0.1:8080 --rate 5000 --duration-ms 5000");
    process.exit(2);
  }
  const report = await runOpenLoop({ url: values.url, rate: Number(values.rate), durationMs: Number(values["duration-ms"]), keys: Number(values.keys) });
  console.log(JSON.stringify(report));
}
