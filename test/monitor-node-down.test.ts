// The monitor loop against a node process killed with SIGKILL: node_down opens within its grace
// plus two intervals, and resolves once the node is back on its port.
import { afterEach, expect, test, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMonitor } from "../lib/monitor/monitor.ts";
import { openState } from "../lib/state/state.ts";
import { listTickets } from "../lib/monitor/tickets.ts";
import plugin from "../subjects/ratelimiter/index.ts";
import { spawnServe, startTestNode } from "./fixtures/node.ts";
import { freePort } from "./fixtures/ports.ts";
import { startRedis } from "./fixtures/redis.ts";

// Real servers on a shared 2-core machine: bun's 5 s default is too tight (bunfig's [test] timeout is not applied).
setDefaultTimeout(60_000);

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

type Event = { type: string; at: number; [k: string]: any };

test("a killed node is node_down within grace + two intervals, and resolves when it is back", async () => {
  const redis = await startRedis();
  cleanup.push(() => redis.stop());
  const a = await startTestNode({ redisUrl: redis.url, nodeId: "a" });
  cleanup.push(() => a.stop());
  const portB = await freePort();
  const serveB = () => spawnServe(["--json", "--port", String(portB), "--node-id", "b", "--redis-url", redis.url]);
  let b = await serveB();
  cleanup.push(async () => b[Symbol.asyncDispose]());

  const dir = mkdtempSync(join(tmpdir(), "operator-node-down-"));
  const state = openState(dir);
  cleanup.push(async () => { state.close(); rmSync(dir, { recursive: true, force: true }); });
  const subject = await plugin.open({ targets: [a.url, `http://127.0.0.1:${portB}`], redisUrl: redis.url, httpTimeout: 500, keySample: 200 }, { stateDir: dir });
  cleanup.push(() => subject.close());

  const intervalMs = 250;
  const graceScale = 0.1;
  const graceMs = subject.invariants.find((i) => i.name === "node_down")!.graceMs * graceScale;
  const events: Event[] = [];
  const waiters: { match: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];
  const next = (match: (e: Event) => boolean) => new Promise<Event>((resolve) => waiters.push({ match, resolve }));
  const controller = new AbortController();
  const loop = runMonitor({
    subject, state, intervalMs, graceScale, observeTimeoutMs: 3_000, once: false, signal: controller.signal,
    emit: (type, data) => {
      const event = { type, at: Date.now(), ...data };
      events.push(event);
      for (const w of waiters.splice(0)) (w.match(event) ? w.resolve(event) : waiters.push(w));
    },
  });
  const isNodeDown = (e: Event) => e.ticket?.invariant === "node_down" && e.ticket?.resource === "node:b";

  await next((e) => e.type === "cycle" && e.cycle === 3);
  const killedAt = Date.now();
  b.proc.kill("SIGKILL");
  await b.proc.exited;
  const opened = await next((e) => e.type === "ticket_opened" && isNodeDown(e));
  const slowestCycleMs = Math.max(...events.filter((e) => e.type === "cycle").map((e) => e.took_ms as number));
  expect(Date.parse(opened.ticket.opened_at) - killedAt).toBeLessThanOrEqual(graceMs + 2 * intervalMs + slowestCycleMs);
  expect(opened.ticket.last_evidence).toMatchObject({ failure: "refused", origin: "configured" });

  b = await serveB();
  const resolved = await next((e) => e.type === "ticket_resolved" && isNodeDown(e));
  expect(resolved.ticket.id).toBe(opened.ticket.id);
  controller.abort();
  await loop;

  const others = listTickets(state).filter((t) => !/^(high_check_latency|redis_latency)$/.test(t.invariant));
  expect(others.map((t) => [t.id, t.invariant, t.resource, t.status])).toEqual([[opened.ticket.id, "node_down", "node:b", "resolved"]]);
});
