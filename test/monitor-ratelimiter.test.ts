// The ratelimiter subject against real nodes and a real redis-server: a healthy cluster violates
// nothing; each fault shows as its own invariant on its own resource, and as nothing else.
import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMonitor } from "../lib/monitor/monitor.ts";
import { openState } from "../lib/state/state.ts";
import { violationKey, type Subject } from "../lib/subject/subject.ts";
import { listTickets } from "../lib/monitor/tickets.ts";
import plugin from "../subjects/ratelimiter/index.ts";
import type { RatelimiterObservation } from "../subjects/ratelimiter/observation.ts";
import { rules } from "../subjects/ratelimiter/rules.ts";
import { check, startTestNode, startTestNodes, type TestNode } from "./fixtures/node.ts";
import { freePort } from "./fixtures/ports.ts";
import { startRedis, type RedisServer } from "./fixtures/redis.ts";
import { faults, watchSubject, type Watch } from "./fixtures/watch.ts";

// Real servers on a shared 2-core machine: bun's 5 s default is too tight (bunfig's [test] timeout is not applied).
setDefaultTimeout(60_000);

const TOKEN = "test-admin-token";
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

interface Rig extends Pick<Watch, "look" | "until"> {
  redis: RedisServer;
  nodes: TestNode[];
  subject: Subject<RatelimiterObservation>;
}

async function rig(nodeOptions: Record<string, unknown> = {}, count = 3, redisArgs: string[] = []): Promise<Rig> {
  const redis = await startRedis(redisArgs);
  cleanup.push(() => redis.stop());
  // A Redis timeout far above the 50 ms default: on a busy shared test machine a slow call would
  // otherwise be decided by the fail policy (fail-open admits it), a fault the suite injects on purpose only.
  const nodes = await startTestNodes(count, { redisUrl: redis.url, adminToken: TOKEN, ...nodeOptions }, "n");
  cleanup.push(() => Promise.all(nodes.map((n) => n.stop())));
  const subject = await plugin.open({ targets: nodes.map((n) => n.url), redisUrl: redis.url, httpTimeout: 1_500, keySample: 200 }, { stateDir: "/nonexistent" });
  cleanup.push(() => subject.close());
  const { look, until } = watchSubject(subject, { observeTimeoutMs: 5_000, intervalMs: 100, untilTimeoutMs: 15_000 });
  return { redis, nodes, subject, look, until };
}

/** `count` checks of `key` spread over the nodes, a few at a time (a flood of concurrent checks would slow every node). */
async function traffic(nodes: TestNode[], key: string, count: number) {
  const results: Awaited<ReturnType<typeof check>>[] = [];
  for (let sent = 0; sent < count; sent += 10) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(10, count - sent) }, (_, i) => check(nodes[(sent + i) % nodes.length]!.url, key)))));
  }
  return results;
}
const counterOf = async (url: string, key: string) => (await (await fetch(`${url}/api/v1/counters/${encodeURIComponent(key)}`)).json()) as { count: number; ttl_ms: number };

describe("ratelimiter subject on a real cluster", () => {
  test("a healthy cluster under light traffic: no violation but latency noise, and no ticket from the monitor loop", async () => {
    const { nodes, subject, look } = await rig();
    await look();
    for (let round = 0; round < 5; round++) {
      await Promise.all(["user:1", "user:2", "user:3", "user:4"].map((k) => traffic(nodes, k, 3)));
      const { o, keys } = await look();
      expect(faults(keys)).toEqual([]);
      expect(o.nodes.map((n) => [n.id, n.reachable, n.mode])).toEqual([["n-1", true, "redis"], ["n-2", true, "redis"], ["n-3", true, "redis"]]);
    }
    const dir = mkdtempSync(join(tmpdir(), "operator-healthy-"));
    const state = openState(dir);
    cleanup.push(async () => { state.close(); rmSync(dir, { recursive: true, force: true }); });
    const controller = new AbortController();
    const events: string[] = [];
    let cycles = 0;
    const load = (async () => {
      while (!controller.signal.aborted) {
        await Promise.all(["user:1", "user:2", "user:9"].map((k) => traffic(nodes, k, 2)));
        await Bun.sleep(100);
      }
    })();
    await runMonitor({
      subject, state, intervalMs: 200, graceScale: 1, observeTimeoutMs: 2_000, once: false, signal: controller.signal,
      emit: (type, data) => {
        events.push(type === "ticket_opened" ? `${type} ${(data.ticket as { last_message: string }).last_message}` : type);
        if (type === "cycle" && ++cycles === 12) controller.abort();
      },
    });
    await load;
    expect(events.filter((t) => t !== "cycle" && t !== "violation")).toEqual([]);
    expect(listTickets(state)).toEqual([]);
  });

  test("a drained node is node_draining (info), not node_down", async () => {
    const { nodes, until } = await rig();
    await fetch(`${nodes[0]!.url}/api/v1/node/drain`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ drain: true }) });
    const { keys } = await until((k) => faults(k).length > 0, "drain");
    expect(faults(keys)).toEqual(["node_draining:node:n-1"]);
  });

  test("a paused Redis is silent, a dead one refuses: redis_unreachable and every node degraded", async () => {
    const { redis, until } = await rig();
    const all = ["node_degraded:node:n-1", "node_degraded:node:n-2", "node_degraded:node:n-3", "redis_unreachable:redis"];
    const exactly = (k: string[]) => JSON.stringify(faults(k)) === JSON.stringify(all);
    process.kill(redis.pid, "SIGSTOP");
    try {
      const paused = await until(exactly, "redis pause");
      expect(paused.o.redis?.failure?.kind).toBe("no_reply");
    } finally {
      process.kill(redis.pid, "SIGCONT");
    }
    await until((k) => faults(k).length === 0, "redis resumed");
    await redis.stop();
    const dead = await until(exactly, "redis killed");
    expect(dead.o.redis?.failure?.kind).toBe("refused");
  });

  test("Redis paused while fail-open nodes admit a key past its limit: the limit last read still judges it (over_admission)", async () => {
    const { redis, nodes, look, until } = await rig({ defaultLimit: 10 });
    await traffic(nodes, "user:flood", 5);
    await look();
    process.kill(redis.pid, "SIGSTOP");
    try {
      await traffic(nodes, "user:flood", 30);
      const { o, keys } = await until((k) => k.includes("over_admission:key:user:flood"), "over-admission while Redis is paused");
      expect(o.redis?.reachable).toBe(false);
      expect(faults(keys)).toContain("redis_unreachable:redis");
    } finally {
      process.kill(redis.pid, "SIGCONT");
    }
  });

  test("a counter without TTL stuck at its limit: stale_counter and over_throttling on that key only", async () => {
    const { redis, nodes, until } = await rig({ algorithm: "fixed-window", defaultLimit: 1000 });
    await traffic(nodes, "user:ok", 5);
    await redis.cli("SET", "ratelimit:{user:stuck}:fw", "1000");
    await traffic(nodes, "user:stuck", 3);
    await until((k) => faults(k).length > 0, "stuck counter seen");
    await traffic(nodes, "user:stuck", 3);
    const { keys } = await until((k) => k.includes("over_throttling:key:user:stuck"), "stuck counter throttles", 10_000);
    expect(faults(keys)).toEqual(["over_throttling:key:user:stuck", "stale_counter:key:user:stuck"]);
  });

  test("one key flooding among quiet ones is hot_key", async () => {
    const { nodes, until, look } = await rig({ defaultLimit: 1000 });
    // Hot is a rate: the first look is the baseline the flood is measured from.
    await look();
    await Promise.all([traffic(nodes, "user:hot", 400), traffic(nodes, "user:a", 10), traffic(nodes, "user:b", 8)]);
    const { keys } = await until((k) => faults(k).length > 0, "hot key", 5_000);
    expect(faults(keys)).toEqual(["hot_key:key:user:hot"]);
  });

  test("hot by the step to the next key, not by share: keys equally busy are not; one far above them is, under half of all checks", async () => {
    const { nodes, look } = await rig({ defaultLimit: 1000 });
    await look();
    await Promise.all(Array.from({ length: 20 }, (_, i) => traffic(nodes, `even:${i}`, 30)));
    expect(faults((await look()).keys)).toEqual([]);
    // A key new to a full top-20 report is a baseline there: it is counted from the next report on.
    await traffic(nodes, "user:busy", 100);
    await look();
    await traffic(nodes, "user:busy", 400);
    const busy = await look();
    expect(faults(busy.keys)).toEqual(["hot_key:key:user:busy"]);
    expect(busy.o.traffic.top[0]!.checks / busy.o.traffic.total).toBeLessThan(0.5);
  });

  test("a fixed-window edge burst (the limit at the end of one window, again at the start of the next) is over_admission", async () => {
    const { nodes, look } = await rig({ algorithm: "fixed-window", defaultLimit: 10, windowMs: 2_000 });
    const key = "user:edge";
    await check(nodes[0]!.url, key);
    await look();
    while ((await counterOf(nodes[0]!.url, key)).ttl_ms > 250) await Bun.sleep(20);
    await look();
    await traffic(nodes, key, 9);
    while ((await counterOf(nodes[0]!.url, key)).ttl_ms !== -2) await Bun.sleep(10);
    const second = await traffic(nodes, key, 10);
    expect(second.every((r) => r.status === 200)).toBe(true);
    const { o, keys } = await look();
    expect(faults(keys)).toEqual(["over_admission:key:user:edge"]);
    expect(o.keys.find((k) => k.key === key)?.lastWindow.allowed).toBe(19);
  });

  test("a node cut off from Redis deciding from its local share: node_degraded and counter_drift, and the rules blame that node", async () => {
    const { redis, nodes } = await rig({ defaultLimit: 100 }, 2);
    const cut = await startTestNode({ redisUrl: `redis://127.0.0.1:${await freePort()}`, failPolicy: "local", nodeId: "n-3", defaultLimit: 100 });
    cleanup.push(() => cut.stop());
    const subject = await plugin.open({ targets: [...nodes, cut].map((n) => n.url), redisUrl: redis.url, httpTimeout: 500, keySample: 200 }, { stateDir: "/nonexistent" });
    cleanup.push(() => subject.close());
    await traffic([...nodes, cut], "user:d", 24);
    const o = await subject.observe(AbortSignal.timeout(5_000));
    const violations = subject.invariants.flatMap((i) => i.check(o, Date.now()));
    expect(faults(violations.map(violationKey).sort())).toEqual(["counter_drift:key:user:d", "node_degraded:node:n-3"]);
    const hypotheses = rules.flatMap((r) => r.evaluate({ violations, observation: o, history: [], now: Date.now() }));
    const blame = hypotheses.filter((h) => h.explains.includes("counter_drift:key:user:d")).sort((x, y) => y.confidence - x.confidence)[0];
    expect([blame?.component, blame?.faultClass]).toEqual(["node:n-3", "network_partition"]);
  });

  test("Redis near maxmemory and refusing writes is redis_memory", async () => {
    const { redis, look } = await rig({}, 1, ["--maxmemory", "3mb", "--maxmemory-policy", "noeviction"]);
    await look();
    const big = "x".repeat(100_000);
    for (let i = 0; i < 40; i++) await redis.cli("SET", `filler:${i}`, big);
    const { o, keys } = await look();
    expect(faults(keys)).toEqual(["redis_memory:redis"]);
    expect(o.redis?.memory?.oomRejectionsDelta).toBeGreaterThan(0);
  });

  test("a stale counter among thousands of idle ones, found only by the rolling SCAN sample, becomes a ticket", async () => {
    const { redis, subject } = await rig({}, 1);
    await redis.cli("EVAL", "for i=1,5000 do redis.call('SET', 'ratelimit:{idle:' .. i .. '}:sl', '1', 'PX', 30000) end return 1", "0");
    await redis.cli("SET", "ratelimit:{cold:7}:sl", "1");
    const dir = mkdtempSync(join(tmpdir(), "operator-stale-scan-"));
    const state = openState(dir);
    cleanup.push(async () => { state.close(); rmSync(dir, { recursive: true, force: true }); });
    const controller = new AbortController();
    const opened: string[] = [];
    await runMonitor({
      subject, state, intervalMs: 100, graceScale: 0.05, observeTimeoutMs: 3_000, once: false, signal: AbortSignal.any([controller.signal, AbortSignal.timeout(100_000)]),
      emit: (type, data) => {
        if (type !== "ticket_opened") return;
        const ticket = data.ticket as { invariant: string; resource: string };
        opened.push(`${ticket.invariant}:${ticket.resource}`);
        if (ticket.resource === "key:cold:7") controller.abort();
      },
    });
    expect(faults(opened)).toEqual(["stale_counter:key:cold:7"]);
    expect(listTickets(state)[0]!.lastEvidence).toMatchObject({ redis_key: "ratelimit:{cold:7}:sl", ttl_ms: -1, found_by: "redis_scan" });
  }, 120_000);
});
