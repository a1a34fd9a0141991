// The monitor as a long-running process: tickets survive kill -9 (same ids, no twin), SIGTERM stops it cleanly.
import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, spawnCli } from "./fixtures/cli.ts";
import { freePort } from "./fixtures/ports.ts";
import { startRedis } from "./fixtures/redis.ts";

// Real servers on a shared 2-core machine: bun's 5 s default is too tight (bunfig's [test] timeout is not applied).
setDefaultTimeout(60_000);

type Event = Record<string, any>;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Spawns `monitor --json ARGS`; `next(predicate)` awaits the first later event that matches. */
function spawnMonitor(args: string[]) {
  const proc = spawnCli(["monitor", "--json", ...args]);
  const seen: Event[] = [];
  const waiters: { predicate: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of proc.stdout) {
      buffer += decoder.decode(chunk, { stream: true });
      let at: number;
      while ((at = buffer.indexOf("\n")) >= 0) {
        const event = JSON.parse(buffer.slice(0, at)) as Event;
        buffer = buffer.slice(at + 1);
        seen.push(event);
        for (const w of waiters.splice(0)) (w.predicate(event) ? w.resolve(event) : waiters.push(w));
      }
    }
  })();
  const next = (predicate: (e: Event) => boolean, timeoutMs = 20_000) =>
    new Promise<Event>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; saw ${JSON.stringify(seen.map((e) => e.type))}`)), timeoutMs);
      waiters.push({ predicate, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  return { proc, seen, next };
}

describe("monitor process", () => {
  test("open tickets survive kill -9: the next monitor carries them on with the same id; SIGTERM stops it cleanly", async () => {
    await using redis = await startRedis();
    const dir = mkdtempSync(join(tmpdir(), "operator-monitor-loop-"));
    dirs.push(dir);
    const dead = `http://127.0.0.1:${await freePort()}`;
    const args = ["--interval", "200ms", "--grace-scale", "0", "--targets", dead, "--redis-url", redis.url, "--state-dir", dir];

    const first = spawnMonitor(args);
    const opened = await first.next((e) => e.type === "ticket_opened");
    expect(opened.ticket).toMatchObject({ invariant: "node_down", resource: `node:${dead.slice(7)}`, status: "open" });
    first.proc.kill("SIGKILL");
    expect(await first.proc.exited).not.toBe(0);

    const second = spawnMonitor(args);
    await second.next((e) => e.type === "cycle" && e.cycle === 3);
    expect(second.seen.filter((e) => e.type === "ticket_opened" && e.ticket.invariant === "node_down")).toEqual([]);
    second.proc.kill("SIGTERM");
    expect(await second.proc.exited).toBe(0);

    // --grace-scale 0 tickets any latency spike of a busy machine too: the claim is about node_down.
    const listed = JSON.parse((await runCli(["tickets", "list", "--json", "--state-dir", dir])).stdout).tickets.filter((t: Event) => t.invariant === "node_down");
    expect(listed.map((t: Event) => [t.id, t.resource, t.status])).toEqual([[opened.ticket.id, `node:${dead.slice(7)}`, "open"]]);
    expect(listed[0].occurrences).toBeGreaterThanOrEqual(4);
  });
});
