// `cluster down` leaves nothing running, whatever faults are active (issue 17): for every fault
// `chaos list` names, on each subject with a local deployment, up -> inject with a long lease ->
// down; then a lease that expires while down runs, and a down killed with -9 and run again. What is
// left is looked for WITHOUT the cluster's records (they are what missed a restarted process): by
// the command lines in /proc that name the state dir or a port of the cluster, and by the
// listening sockets. Every command runs in the state dir, so every process the cluster starts
// inherits it as its working directory: a process that names a port of ours, or listens on one, is
// counted only when it runs there (other tests on this machine take freed ports too). Faults share
// a cluster where they do not get in each other's way.
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ownedProcesses } from "../lib/process/owner.ts";
import { runCli, spawnCli } from "./fixtures/cli.ts";
import { cwdOf, listenersOn, processesMatching, processesMentioning } from "./fixtures/processes.ts";

// Real clusters (redis-server, nodes of this binary, etcd) started and stopped on a busy 2-core machine.
setDefaultTimeout(60_000);

interface Injection {
  fault: string;
  args?: string[];
  /** The name `cluster down` gives the process this fault runs, from the fault's record. */
  runs?: (record: { id: number }) => string;
}

/** Every fault of each subject, grouped by cluster: within a group the faults hit different targets, in an order where each still finds its target. */
const PLANS = {
  ratelimiter: [
    { up: ["--nodes", "2"], inject: [
      { fault: "node-kill", args: ["--node", "b"] },
      { fault: "node-pause", args: ["--node", "a"] },
      { fault: "hot-key", runs: () => "operator loadgen" },
      { fault: "edge-burst", runs: (r) => `operator chaos drive ${r.id}` },
      { fault: "redis-kill" },
    ] },
    { up: ["--nodes", "3"], inject: [
      { fault: "stale-key" },
      { fault: "redis-oom" },
      { fault: "redis-pause", args: ["--stack"] },
      { fault: "node-drain", args: ["--node", "a"] },
      { fault: "partition", args: ["--node", "b"] },
      { fault: "redis-latency", args: ["--node", "c"] },
    ] },
  ],
  etcd: [
    { up: ["--members", "3", "--quota", "8MiB"], inject: [{ fault: "fill-quota" }, { fault: "leader-kill" }, { fault: "member-kill", args: ["--random"] }] },
    { up: ["--members", "3"], inject: [{ fault: "quorum-loss" }, { fault: "member-pause", args: ["--member", "etcd-1"] }] },
  ],
} satisfies Record<string, { up: string[]; inject: Injection[] }[]>;

/** Faults that restart a process when their lease ends, for the cases where that happens around down. */
const RESTARTING: Record<string, { up: string[]; inject: Injection[] }> = {
  // The load first (it needs a node to aim at), then Redis before the node: reverts run in that
  // order, and a restarted node answers healthy only once Redis is back.
  ratelimiter: { up: ["--nodes", "1"], inject: [{ fault: "hot-key" }, { fault: "redis-kill" }, { fault: "node-kill", args: ["--node", "a"] }] },
  etcd: { up: ["--members", "1"], inject: [{ fault: "member-kill", args: ["--member", "etcd-1"] }] },
};

/** The issue's own: it outlives each test by far, so only down can end these faults. */
const LONG_LEASE = "120s";
/** Long enough for the injections of a group to be in place (a command takes about a second here), short enough not to wait long. */
const SHORT_LEASE = "4s";

/** Every state dir this file made. */
const dirs: string[] = [];

afterAll(async () => {
  // A test that failed may leave what it looks for: kill it by hand, only what is surely ours (it
  // names our state dir, or carries its mark); a port alone may by now be someone else's.
  for (const dir of dirs) {
    await runCli(["cluster", "down", "--state-dir", dir]);
    for (const pid of new Set([...processesMentioning(dir).map((p) => p.pid), ...ownedProcesses(dir).map((p) => p.pid)])) process.kill(pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

interface Up {
  dir: string;
  ports: number[];
  parts: string[];
  cli(args: string[]): ReturnType<typeof runCli>;
}

async function up(subject: string, args: string[]): Promise<Up> {
  const dir = mkdtempSync(join(tmpdir(), "operator-teardown-"));
  dirs.push(dir);
  const cli = (more: string[]) => runCli([...more, "--state-dir", dir], { cwd: dir });
  const result = await cli(["cluster", "up", "--subject", subject, "--json", ...args]);
  if (result.exitCode !== 0) throw new Error(`cluster up --subject ${subject} failed: ${result.stderr}`);
  const doc = JSON.parse(result.stdout);
  const urls: string[] = [
    ...doc.parts.map((p: { url: string | null }) => p.url),
    ...(doc.nodes ?? []).flatMap((n: Record<string, string>) => [n.url, n.redis_url, n.link_control_url]),
    ...(doc.members ?? []).flatMap((m: Record<string, string>) => [m.client_url, m.peer_url]),
  ].filter(Boolean);
  const ports = [...new Set(urls.map((u) => Number(new URL(u.replace(/^redis(\+cluster)?:/, "http:")).port)))];
  return { dir, ports, parts: doc.parts.map((p: { name: string }) => p.name), cli };
}

async function inject(cluster: Up, injections: Injection[], lease: string): Promise<{ runs: string[]; expiresAt: number[] }> {
  const runs: string[] = [];
  const expiresAt: number[] = [];
  for (const { fault, args = [], runs: name } of injections) {
    const result = await cluster.cli(["chaos", fault, "--duration", lease, "--json", ...args]);
    if (result.exitCode !== 0) throw new Error(`chaos ${fault} failed (exit ${result.exitCode}): ${result.stderr}`);
    const record = JSON.parse(result.stdout);
    expiresAt.push(Date.parse(record.expires_at));
    if (name) runs.push(name(record));
  }
  return { runs, expiresAt };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** The state dir anywhere in a command line, or a port after `:` (a URL) or a space (`--port N`). */
const leftoverPattern = (dir: string, ports: number[]) => new RegExp(`${escape(dir)}|[:\\s](?:${ports.join("|")})(?!\\d)`);

/** What the cluster left: processes and listening ports found without its records, and the records themselves. */
function leftovers(cluster: Up) {
  const runsHere = (pid: number) => cwdOf(pid) === cluster.dir || cwdOf(pid)?.startsWith(`${cluster.dir}/`) === true;
  const db = new Database(join(cluster.dir, "state.db"));
  try {
    const count = (sql: string) => db.query<{ n: number }, []>(sql).get()!.n;
    return {
      processes: processesMatching(leftoverPattern(cluster.dir, cluster.ports)).filter((p) => p.cmdline.includes(cluster.dir) || runsHere(p.pid)).map((p) => p.cmdline),
      listening: listenersOn(cluster.ports).filter((l) => l.pids.some(runsHere)).map((l) => l.port),
      deployment_records: count("SELECT COUNT(*) AS n FROM deployment"),
      active_faults: count("SELECT COUNT(*) AS n FROM chaos_faults WHERE status <> 'reverted'"),
      watchdog_records: count("SELECT COUNT(*) AS n FROM chaos_watchdog"),
      cluster_dir: existsSync(join(cluster.dir, "cluster")),
    };
  } finally {
    db.close();
  }
}

const NOTHING_LEFT = { processes: [], listening: [], deployment_records: 0, active_faults: 0, watchdog_records: 0, cluster_dir: false };

async function down(cluster: Up) {
  const result = await cluster.cli(["cluster", "down", "--json"]);
  return { exitCode: result.exitCode, stderr: result.stderr, doc: JSON.parse(result.stdout || "null") as { stopped: { name: string; outcome: string }[]; not_stopped: unknown[] } | null };
}

for (const [subject, groups] of Object.entries(PLANS)) {
  describe(`${subject}: cluster down under faults`, () => {
    test.each(groups.map((g, i) => [g.inject.map((x) => x.fault).join(", "), i] as const))("long leases of %s: down stops every process, the restarted ones too, and forgets the cluster", async (_names, index) => {
      const group = groups[index]!;
      const cluster = await up(subject, group.up);
      if (index === 0) {
        // Every fault `chaos list` names is in one of the groups.
        const listed = JSON.parse((await cluster.cli(["chaos", "list", "--json"])).stdout).faults.map((f: { name: string }) => f.name);
        expect(listed.toSorted()).toEqual(groups.flatMap((g) => g.inject.map((x) => x.fault)).toSorted());
      }
      const { runs } = await inject(cluster, group.inject, LONG_LEASE);
      const result = await down(cluster);
      expect({ exitCode: result.exitCode, stopped: result.doc?.stopped.map((s) => s.name).toSorted(), not_stopped: result.doc?.not_stopped, left: leftovers(cluster) }).toEqual({
        exitCode: 0,
        stopped: [...cluster.parts, "chaos-watchdog", ...runs].toSorted(),
        not_stopped: [],
        left: NOTHING_LEFT,
      });
    });
  });
}

for (const [subject, plan] of Object.entries(RESTARTING)) {
  describe(`${subject}: cluster down while leases end, and after a killed down`, () => {
    test(`leases of ${plan.inject.map((x) => x.fault).join(", ")} expire as down starts: what their reverts start is stopped too`, async () => {
      const cluster = await up(subject, plan.up);
      const { expiresAt } = await inject(cluster, plan.inject, SHORT_LEASE);
      // Down starts as the last lease ends: the watchdog is restarting what that fault killed (a
      // node of this binary takes the longest to start) while down begins.
      await Bun.sleep(Math.max(0, Math.max(...expiresAt) - Date.now()));
      const result = await down(cluster);
      expect({ exitCode: result.exitCode, not_stopped: result.doc?.not_stopped, left: leftovers(cluster) }).toEqual({ exitCode: 0, not_stopped: [], left: NOTHING_LEFT });
    });

    test(`a down killed with -9 once it began, under long leases of ${plan.inject.map((x) => x.fault).join(", ")}, then run again: nothing left`, async () => {
      const cluster = await up(subject, plan.up);
      await inject(cluster, plan.inject, LONG_LEASE);
      const first = spawnCli(["cluster", "down", "--state-dir", cluster.dir], { cwd: cluster.dir });
      const db = new Database(join(cluster.dir, "state.db"));
      try {
        // Killed as soon as down has marked the cluster as going down, before it could finish.
        while (!db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM deployment WHERE going_down_at IS NOT NULL").get()!.n && first.exitCode === null) await Bun.sleep(2);
      } finally {
        db.close();
      }
      first.kill("SIGKILL");
      await first.exited;
      expect(first.signalCode).toBe("SIGKILL");
      const again = await down(cluster);
      expect({ exitCode: again.exitCode, not_stopped: again.doc?.not_stopped, left: leftovers(cluster) }).toEqual({ exitCode: 0, not_stopped: [], left: NOTHING_LEFT });
    });
  });
}
