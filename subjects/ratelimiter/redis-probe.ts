// Observing Redis from outside: can it be reached (and how it fails), its latency, memory and
// eviction state, and a bounded sample of counter keys with their TTLs. The sample walks the
// keyspace with SCAN on a fixed budget per cycle, resuming where the last cycle stopped, so a
// million keys cost about what none cost.
import type { Redis } from "ioredis";
import { createRedisHandle, dataNodes, parseRedisTarget, redactUrl, type RedisHandle } from "./redis-connection.ts";
import { blockKeyOf, COUNTER_SCAN_PATTERN, limitKeyOf, NODE_INDEX_KEY, nodeKeyOf, parseCounterKey, type Algorithm } from "./wire.ts";

export type RedisFailureKind = "refused" | "no_reply" | "closed" | "auth" | "error";

export interface SampledCounter {
  redisKey: string;
  key: string;
  algorithm: Algorithm;
  /** -1: no expiry; -2: gone since it was scanned. */
  ttlMs: number;
  /** The key's override (`…:limit` hash), if it has one. */
  override?: { limit: number; windowMs: number; algorithm?: string };
}

export interface RedisObservation {
  url: string;
  reachable: boolean;
  failure?: { kind: RedisFailureKind; message: string };
  /** Best of a few PINGs from the operator (ms); the observer replaces it with what all but one of its recent observations reached. */
  latencyMs?: number;
  /** Observations behind `latencyMs` once the observer has windowed it (a verdict wants several). */
  latencySamples?: number;
  /**
   * Whether a write completes: the operator sets one canary key of its own (`operator:probe`,
   * 60 s TTL). A Redis paused for writes (CLIENT PAUSE WRITE) still answers reads; out of memory
   * (noeviction) it refuses writes with OOM.
   */
  writes?: { ok: true } | { ok: false; kind: "no_reply" | "oom" | "error"; message: string };
  memory?: { usedBytes: number; maxBytes: number; policy: string; evictedKeysDelta: number; oomRejectionsDelta: number };
  keyCount?: number;
  counters: SampledCounter[];
  /** SCAN budget spent this cycle (calls × COUNT, summed over data servers): bounded whatever the key count. */
  scanned: number;
  /** Of the keys asked about, those under a block. */
  blockedKeys: string[];
  registered: { id: string; url: string }[];
}

export interface RedisProbeLimits {
  timeoutMs: number;
  /** SCAN calls per cycle (per data server) and COUNT of each. */
  scanCalls: number;
  scanCount: number;
  /** Most counter keys sampled per cycle. */
  sampleSize: number;
}

export interface RedisProbe {
  /**
   * @param focusKeys user keys to check for a block
   * @param recheck counter keys (Redis names) to read again whatever the SCAN sample holds: the
   *   suspects of earlier cycles, so a stale counter found once stays in view while it is stale
   */
  observe(focusKeys: string[], recheck: string[], signal: AbortSignal): Promise<RedisObservation>;
  close(): Promise<void>;
}

const PINGS = 3;

/** Throws a usage error at once for a URL it cannot use; connects only when observing. */
export function createRedisProbe(url: string, limits: RedisProbeLimits): RedisProbe {
  const shownUrl = redactUrl(url);
  const target = parseRedisTarget(url);
  let handle: RedisHandle | undefined;
  /** The canary write has a connection of its own: a write blocked by a pause blocks every later command of its connection. */
  let canary: RedisHandle | undefined;
  const cursors = new Map<string, string>();
  let lastTotals: { evicted: number; oom: number } | undefined;
  /** ioredis rejects a refused connect with "Connection is closed"; the cause comes as an error event. */
  let socketError: Error | undefined;

  async function connected(): Promise<RedisHandle> {
    if (handle && handle.status !== "end" && handle.status !== "close") return handle;
    handle?.disconnect();
    const next = createRedisHandle(target, limits.timeoutMs);
    socketError = undefined;
    // Only this connection's errors explain this attempt: one dropped a cycle ago still reports its
    // close late ("Connection is closed"), which would read a paused Redis as a dropped connection.
    next.on("error", (error: Error) => {
      if (handle === next) socketError = error;
    });
    handle = next;
    await withDeadline(next.connect(), limits.timeoutMs);
    return next;
  }

  async function canaryWrite(): Promise<NonNullable<RedisObservation["writes"]>> {
    try {
      if (!canary || canary.status === "end" || canary.status === "close") {
        canary?.disconnect();
        canary = createRedisHandle(target, limits.timeoutMs);
        canary.on("error", () => {});
        await withDeadline(canary.connect(), limits.timeoutMs);
      }
    } catch (error) {
      canary?.disconnect();
      canary = undefined;
      return { ok: false, kind: "error", message: `a write connection failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    return writeProbe(canary, limits.timeoutMs);
  }

  return {
    async observe(focusKeys, recheck, signal) {
      const empty = { url: shownUrl, counters: [], scanned: 0, blockedKeys: [], registered: [] };
      let client: RedisHandle;
      let latencyMs: number;
      socketError = undefined;
      try {
        client = await connected();
        latencyMs = await pingLatency(client, signal);
      } catch (error) {
        const cause = socketError ?? error;
        handle?.disconnect();
        handle = undefined;
        return { ...empty, reachable: false, failure: classify(cause, limits.timeoutMs) };
      }
      try {
        const servers = dataNodes(client);
        const [writes, memory, sample, blockedKeys, registered] = await Promise.all([
          canaryWrite(),
          memoryOf(servers),
          sampleCounters(servers, client, recheck),
          blockedAmong(client, focusKeys),
          registeredNodes(client),
        ]);
        return { ...empty, reachable: true, latencyMs, writes, ...memory, ...sample, blockedKeys, registered };
      } catch (error) {
        return { ...empty, reachable: true, latencyMs, failure: classify(error, limits.timeoutMs) };
      }
    },
    async close() {
      handle?.disconnect();
      canary?.disconnect();
      handle = undefined;
      canary = undefined;
    },
  };

  async function memoryOf(servers: Redis[]): Promise<Pick<RedisObservation, "memory" | "keyCount">> {
    const infos = await Promise.all(servers.map(async (s) => parseInfo((await Promise.all([s.info("memory"), s.info("stats"), s.info("errorstats")])).join("\n"))));
    const keyCounts = await Promise.all(servers.map((s) => s.dbsize()));
    // The fullest server speaks for the deployment: one full shard refuses its keys' writes.
    const fullest = infos.reduce((a, b) => (ratio(b) > ratio(a) ? b : a));
    const totals = {
      evicted: infos.reduce((sum, i) => sum + Number(i.evicted_keys ?? 0), 0),
      oom: infos.reduce((sum, i) => sum + oomCount(i), 0),
    };
    const previous = lastTotals;
    lastTotals = totals;
    return {
      keyCount: keyCounts.reduce((a, b) => a + b, 0),
      memory: {
        usedBytes: Number(fullest.used_memory ?? 0),
        maxBytes: Number(fullest.maxmemory ?? 0),
        policy: fullest.maxmemory_policy ?? "unknown",
        evictedKeysDelta: previous ? Math.max(0, totals.evicted - previous.evicted) : 0,
        oomRejectionsDelta: previous ? Math.max(0, totals.oom - previous.oom) : 0,
      },
    };
  }

  async function sampleCounters(servers: Redis[], client: RedisHandle, recheck: string[]): Promise<Pick<RedisObservation, "counters" | "scanned">> {
    const found: string[] = [];
    let scanned = 0;
    for (const server of servers) {
      const id = `${server.options.host}:${server.options.port}`;
      let cursor = cursors.get(id) ?? "0";
      for (let call = 0; call < limits.scanCalls && found.length < limits.sampleSize; call++) {
        const [next, keys] = await server.scan(cursor, "MATCH", COUNTER_SCAN_PATTERN, "COUNT", limits.scanCount);
        cursor = next;
        scanned += limits.scanCount;
        found.push(...keys);
        if (cursor === "0") break;
      }
      cursors.set(id, cursor);
    }
    const counters = [...new Set([...recheck, ...found.slice(0, limits.sampleSize)])].flatMap((redisKey) => {
      const parsed = parseCounterKey(redisKey);
      return parsed ? [{ redisKey, ...parsed }] : [];
    });
    if (counters.length === 0) return { counters: [], scanned };
    // Concurrent commands share the socket back to back (one round trip), and on a cluster each
    // goes to its key's shard: no cross-slot pipeline.
    const [ttls, overrides] = await Promise.all([
      Promise.all(counters.map((c) => client.pttl(c.redisKey))),
      Promise.all(counters.map((c) => client.hmget(limitKeyOf(c.key), "limit", "window_ms", "algorithm"))),
    ]);
    return {
      scanned,
      counters: counters.map((c, i) => {
        const [limit, windowMs, algorithm] = overrides[i]!;
        return { ...c, ttlMs: ttls[i]!, ...(limit ? { override: { limit: Number(limit), windowMs: Number(windowMs), ...(algorithm ? { algorithm } : {}) } } : {}) };
      }),
    };
  }
}

/** The operator's canary key: outside the service's `ratelimit:` keys, expiring by itself. */
const PROBE_KEY = "operator:probe";

async function writeProbe(client: RedisHandle, timeoutMs: number): Promise<NonNullable<RedisObservation["writes"]>> {
  try {
    await client.set(PROBE_KEY, String(Date.now()), "PX", 60_000);
    return { ok: true };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (/OOM/.test(text)) return { ok: false, kind: "oom", message: `refuses writes: ${text}` };
    if (/timed? ?out/i.test(text)) return { ok: false, kind: "no_reply", message: `answers reads but a write did not complete within ${timeoutMs} ms (paused for writes, or blocked)` };
    return { ok: false, kind: "error", message: `a write failed: ${text}` };
  }
}

async function pingLatency(client: RedisHandle, signal: AbortSignal): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < PINGS && !signal.aborted; i++) {
    const started = performance.now();
    await client.ping();
    best = Math.min(best, performance.now() - started);
  }
  return Math.round(best * 100) / 100;
}

async function blockedAmong(client: RedisHandle, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const replies = await Promise.all(keys.map((key) => client.exists(blockKeyOf(key))));
  return keys.filter((_, i) => replies[i] === 1);
}

async function registeredNodes(client: RedisHandle): Promise<{ id: string; url: string }[]> {
  const ids = await client.zrange(NODE_INDEX_KEY, "0", "99");
  if (ids.length === 0) return [];
  const urls = await Promise.all(ids.map((id) => client.hget(nodeKeyOf(id), "url")));
  return ids.flatMap((id, i) => (urls[i] ? [{ id, url: urls[i]! }] : []));
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return fields;
}

const ratio = (info: Record<string, string>) => (Number(info.maxmemory ?? 0) > 0 ? Number(info.used_memory ?? 0) / Number(info.maxmemory) : 0);
const oomCount = (info: Record<string, string>) => Number(/count=(\d+)/.exec(info.errorstat_OOM ?? "")?.[1] ?? 0);

function classify(error: unknown, timeoutMs: number): { kind: RedisFailureKind; message: string } {
  const e = error as { code?: string; message?: string };
  const text = e?.message ?? String(error);
  if (e?.code === "ECONNREFUSED" || /ECONNREFUSED/.test(text)) return { kind: "refused", message: "refused the connection (nothing listens)" };
  if (/timed? ?out|ETIMEDOUT/i.test(text)) return { kind: "no_reply", message: `accepted no command within ${timeoutMs} ms (paused, blocked or overloaded)` };
  if (/NOAUTH|WRONGPASS|invalid password|AUTH/i.test(text)) return { kind: "auth", message: `refused our credentials: ${text}` };
  if (/closed|ECONNRESET|EPIPE|writeable/i.test(text)) return { kind: "closed", message: `dropped the connection: ${text}` };
  return { kind: "error", message: text };
}

function withDeadline<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
