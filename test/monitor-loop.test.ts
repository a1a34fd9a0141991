// The monitor as a long-running process: tickets survive kill -9 (same ids, no twin), SIGTERM stops it cleanly.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { runCli } from "./fixtures/cli.ts";
import { spawnMonitor } from "./fixtures/monitor-process.ts";
import { freePort } from "./fixtures/ports.ts";
import { startRedis } from "./fixtures/redis.ts";
import { tempDirs } from "./fixtures/temp-dirs.ts";

// Real servers on a shared 2-core machine: bun's 5 s default is too tight (bunfig's [test] timeout is not applied).
setDefaultTimeout(60_000);

type Event = Record<string, any>;
const newDir = tempDirs("operator-monitor-loop-");

describe("monitor process", () => {
  test("open tickets survive kill -9: the next monitor carries them on with the same id; SIGTERM stops it cleanly", async () => {
    await using redis = await startRedis();
    const dir = newDir();
    const dead = `http://127.0.0.1:${await freePort()}`;
    const args = ["--interval", "200ms", "--grace-scale", "0", "--targets", dead, "--redis-url", redis.url, "--state-dir", dir];

    const first = spawnMonitor(args);
    const opened = await first.next((e) => e.type === "ticket_opened", { timeoutMs: 20_000 });
    expect(opened.ticket).toMatchObject({ invariant: "node_down", resource: `node:${dead.slice(7)}`, status: "open" });
    first.proc.kill("SIGKILL");
    expect(await first.proc.exited).not.toBe(0);

    const second = spawnMonitor(args);
    await second.next((e) => e.type === "cycle" && e.cycle === 3, { timeoutMs: 20_000 });
    expect(second.events.filter((e) => e.type === "ticket_opened" && e.ticket.invariant === "node_down")).toEqual([]);
    second.proc.kill("SIGTERM");
    expect(await second.proc.exited).toBe(0);

    // --grace-scale 0 tickets any latency spike of a busy machine too: the claim is about node_down.
    const listed = JSON.parse((await runCli(["tickets", "list", "--json", "--state-dir", dir])).stdout).tickets.filter((t: Event) => t.invariant === "node_down");
    expect(listed.map((t: Event) => [t.id, t.resource, t.status])).toEqual([[opened.ticket.id, `node:${dead.slice(7)}`, "open"]]);
    expect(listed[0].occurrences).toBeGreaterThanOrEqual(4);
  });
});
