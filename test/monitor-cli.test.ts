// `operator monitor` and `operator tickets` as a script sees them: exit codes, NDJSON, the one
// stderr line; bad input from a node that answers garbage or too much, a read-only state dir.
import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, ENTRY } from "./fixtures/cli.ts";
import { freePort } from "./fixtures/ports.ts";

// Real servers on a shared 2-core machine: bun's 5 s default is too tight (bunfig's [test] timeout is not applied).
setDefaultTimeout(60_000);

const dirs: string[] = [];
const stateDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "operator-monitor-cli-"));
  dirs.push(dir);
  return dir;
};
const events = (stdout: string) => stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);

const nodeDescription = { node_id: "fake", url: "http://x", uptime_ms: 1, redis: { connected: true, latency_ms: 0.3 }, fail_policy: "open", mode: "redis", decisions: { allowed: 0, denied: 0, fallback: 0 }, draining: false, algorithm: "sliding-log", default_limit: 10, window_ms: 60_000 };
const endless = () => new Response(new ReadableStream({ async pull(c) { c.enqueue(new Uint8Array(64 * 1024).fill(123)); await Bun.sleep(1); } }));

/** A node that answers garbage, one that answers forever, one whose side endpoints are broken. */
const fake = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(request) {
    const url = new URL(request.url);
    const [kind] = url.pathname.split("/").filter(Boolean);
    const path = url.pathname.slice(kind!.length + 1);
    if (kind === "garbage") return new Response("\u0000\u0007 this is not json", { headers: { "content-type": "application/json" } });
    if (kind === "huge") return endless();
    if (path === "/api/v1/node") return Response.json(nodeDescription);
    if (path === "/metrics") return new Response("\u0000\u0001\u0002garbage metrics");
    if (path.startsWith("/api/v1/hot-keys")) return endless();
    if (path === "/api/v1/nodes") return Response.json({ nodes: [] });
    return Response.json({ error: "not_found", message: "no" }, { status: 404 });
  },
});
const base = `http://127.0.0.1:${fake.port}`;
afterAll(() => {
  fake.stop(true);
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe("operator monitor: bad input", () => {
  test("an unknown subject is a usage error listing the subjects", async () => {
    expect(await runCli(["monitor", "--subject", "nosuch", "--once"])).toEqual({ exitCode: 2, stdout: "", stderr: 'operator: unknown subject "nosuch": use one of ratelimiter, tikv, etcd\n' });
  });

  test("no targets and no local cluster: exit 2 saying what to do", async () => {
    const dir = stateDir();
    const result = await runCli(["monitor", "--once", "--state-dir", dir]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`no --targets and no local cluster in ${dir}: run operator cluster up, or pass --targets`);
  });

  test("--once against targets that do not answer: exit 3, an error event, and the observation_failed ticket", async () => {
    const dir = stateDir();
    const target = `http://127.0.0.1:${await freePort()}`;
    const result = await runCli(["monitor", "--once", "--json", "--targets", target, "--state-dir", dir]);
    expect(result.exitCode).toBe(3);
    const seen = events(result.stdout);
    expect(seen.map((e) => e.type)).toEqual(["error", "violation", "ticket_opened", "incident_opened", "diagnosis", "incident_updated", "cycle"]);
    expect(seen[0]).toMatchObject({ source: "observe", message: `no rate-limiter node answered: ${target.slice(7)} (${target}) refused the connection (nothing listens)` });
    expect(seen[2]!.ticket).toMatchObject({ invariant: "observation_failed", resource: "cluster", status: "open", severity: "critical" });
    expect(seen[3]!.incident).toMatchObject({ status: "open", tickets: [{ id: seen[2]!.ticket.id }] });
    expect(seen[4]!.diagnosis).toMatchObject({ ticket_id: seen[2]!.ticket.id, engine: "builtin", root_cause: { component: "cluster" } });
    expect(seen[6]).toMatchObject({ cycle: 1, violations: 1, open_tickets: 1, observed: false });
  });

  test("a node answering garbage or an endless body: an error event that says so, no crash", async () => {
    const garbage = await runCli(["monitor", "--once", "--json", "--targets", `${base}/garbage`, "--state-dir", stateDir()]);
    expect(garbage.exitCode).toBe(3);
    expect(events(garbage.stdout)[0]!.message).toContain("answered something that is not JSON");
    const huge = await runCli(["monitor", "--once", "--json", "--targets", `${base}/huge`, "--state-dir", stateDir()]);
    expect(huge.exitCode).toBe(3);
    expect(events(huge.stdout)[0]!.message).toContain("answered a body larger than 262144 bytes");
  });

  test("a node whose metrics are garbage and whose hot keys never end: error events, the rest is checked", async () => {
    const result = await runCli(["monitor", "--once", "--json", "--targets", `${base}/partly`, "--state-dir", stateDir()]);
    expect(result.exitCode).toBe(0);
    const seen = events(result.stdout);
    expect(seen.map((e) => `${e.type}:${e.source ?? ""}`)).toEqual(["error:observation", "cycle:"]);
    expect(seen[0]!.message).toBe(`node fake (${base}/partly): /api/v1/hot-keys answered a body larger than 262144 bytes`);
  });

  test("a read-only state dir: one line, exit 2, nothing written", async () => {
    const dir = stateDir();
    chmodSync(dir, 0o555);
    // root writes anywhere: run the command as nobody, as an unprivileged user would.
    const asUser = process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
    const proc = Bun.spawn([...asUser, "bun", ENTRY, "monitor", "--once", "--targets", "http://127.0.0.1:9", "--state-dir", dir], { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect({ exitCode, stdout, stderr }).toEqual({ exitCode: 2, stdout: "", stderr: `operator: state dir ${dir}/state.db is not writable: pass a writable --state-dir (env OPERATOR_STATE_DIR)\n` });
  });

  test("a Redis URL it cannot use is a usage error that hides the password", async () => {
    const result = await runCli(["monitor", "--once", "--targets", "http://127.0.0.1:9", "--redis-url", "memcached://:s3cret@127.0.0.1:6400", "--state-dir", stateDir()]);
    expect(result).toEqual({
      exitCode: 2, stdout: "",
      stderr: 'operator: --redis-url "memcached://:***@127.0.0.1:6400" has an unknown scheme: use redis://, rediss://, redis+sentinel:// or redis+cluster:// (env OPERATOR_REDIS_URL)\n',
    });
  });

  test("--help teaches the subject's own options with their env vars", async () => {
    const result = await runCli(["monitor", "--help"]);
    expect(result.exitCode).toBe(0);
    for (const text of ["--targets", "[env OPERATOR_TARGETS]", "--grace-scale", "[env OPERATOR_GRACE_SCALE, default 1]", "--redis-url", "EXAMPLES"]) expect(result.stdout).toContain(text);
  });
});

describe("operator tickets", () => {
  test("list, show and resolve a ticket with who and why; bad IDs are usage errors", async () => {
    const dir = stateDir();
    await runCli(["monitor", "--once", "--targets", `http://127.0.0.1:${await freePort()}`, "--state-dir", dir]);
    const listed = await runCli(["tickets", "list", "--status", "open", "--json", "--state-dir", dir]);
    expect(listed.exitCode).toBe(0);
    const [ticket] = JSON.parse(listed.stdout).tickets;
    expect(ticket).toMatchObject({ id: 1, invariant: "observation_failed", resource: "cluster", status: "open", occurrences: 1 });

    const resolved = await runCli(["tickets", "resolve", "1", "--why", "planned maintenance", "--by", "alice", "--json", "--state-dir", dir]);
    expect(resolved.exitCode).toBe(0);
    expect(JSON.parse(resolved.stdout)).toMatchObject({ changed: true, ticket: { id: 1, status: "resolved" } });
    const again = await runCli(["tickets", "resolve", "1", "--why", "again", "--state-dir", dir]);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain("ticket #1 was already resolved at");

    const shown = await runCli(["tickets", "show", "1", "--json", "--state-dir", dir]);
    expect(JSON.parse(shown.stdout).ticket.transitions.map((t: any) => [t.from, t.to, t.actor, t.why])).toEqual([
      [null, "open", "monitor", "violation observed (grace ignored)"],
      ["open", "resolved", "alice", "planned maintenance"],
    ]);
    const human = await runCli(["tickets", "list", "--state-dir", dir]);
    expect(human.stdout).toMatch(/^#1 {2}resolved critical observation_failed on cluster/);

    expect(await runCli(["tickets", "show", "99", "--state-dir", dir])).toEqual({ exitCode: 2, stdout: "", stderr: "operator: no ticket 99: see operator tickets list\n" });
    expect((await runCli(["tickets", "show", "x1", "--state-dir", dir])).stderr).toBe('operator: ticket ID "x1" is not a positive integer: see operator tickets list\n');
    expect((await runCli(["tickets", "list", "--status", "closed", "--state-dir", dir])).exitCode).toBe(2);
  });
});
