// Incidents on a real local cluster under load, as a person on call sees them: one node's slow link
// to Redis (fail policy open) is one incident listing its over-admission tickets, with one
// diagnosis and one set of actions; it survives kill -9 of the monitor; a hot key at the same time
// is a second incident, not swallowed by the first. Each monitor keeps its own state dir and
// watches the shared cluster through --targets, so the tests' incidents do not mix.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, spawnCli } from "./fixtures/cli.ts";
import { downAll, startLocalCluster, type LocalCluster } from "./fixtures/local-cluster.ts";
import { spawnMonitor, type MonitorEvent, type MonitorProcess } from "./fixtures/monitor-process.ts";

// Real servers on a shared 2-core machine: bun's 5 s default is too tight (bunfig's [test] timeout is not applied).
setDefaultTimeout(180_000);

let cluster: LocalCluster;
const dirs: string[] = [];
beforeAll(async () => {
  cluster = await startLocalCluster(["--nodes", "3", "--fail-policy", "open"]);
}, 60_000);
afterAll(async () => {
  await cluster?.cli(["chaos", "revert", "--all"]);
  await downAll();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** A monitor with its own state dir, watching the shared cluster from outside. */
function monitorEnv() {
  const dir = mkdtempSync(join(tmpdir(), "operator-incidents-"));
  dirs.push(dir);
  return {
    OPERATOR_STATE_DIR: dir,
    OPERATOR_TARGETS: cluster.up.nodes.map((n) => n.url).join(","),
    OPERATOR_REDIS_URL: cluster.up.redis.urls[0]!,
  };
}

/** The background: 150 checks/s spread over 30 keys, for as long as the test needs. */
const background = (duration: string) =>
  spawnCli(["loadgen", "--rate", "150", "--keys", "30", "--duration", duration, "--json"], { env: { OPERATOR_STATE_DIR: cluster.stateDir } });

const incidents = async (env: Record<string, string>) => JSON.parse((await runCli(["incidents", "list", "--json"], { env })).stdout).incidents as any[];
const ofKind = (incident: any, invariant: string) => incident.tickets.filter((t: any) => t.invariant === invariant);
const linkIncident = (e: MonitorEvent) =>
  e.type.startsWith("incident_") && e.incident.status === "open" && e.incident.root_cause?.component === "node:a" && ofKind(e.incident, "over_admission").length >= 5;

describe("incidents on a local cluster under load", () => {
  test("a slow link on a fail-open node is one incident with its over-admission tickets, one diagnosis, one set of actions; kill -9 of the monitor changes none of it", async () => {
    const env = monitorEnv();
    const load = background("100s");
    let monitor: MonitorProcess | undefined = spawnMonitor([], env);
    try {
      await monitor.cycles(2, 60_000);
      const chaos = await cluster.cli(["chaos", "redis-latency", "--node", "a", "--latency", "80ms", "--duration", "90s"]);
      expect(chaos.exitCode).toBe(0);
      // Formed: the node's own symptom (after its grace) and the keys it over-admitted, under one cause.
      const formed = await monitor.next((e) => linkIncident(e) && ofKind(e.incident, "node_degraded").length === 1, { timeoutMs: 60_000 });
      const id = formed.incident.id as number;

      const open = await incidents(env);
      const link = open.filter((i) => i.root_cause?.component === "node:a");
      expect(link.map((i) => [i.id, i.status])).toEqual([[id, "open"]]);
      // Every over-admission ticket the fault caused is listed under it: none pages on its own.
      const tickets = JSON.parse((await runCli(["tickets", "list", "--json"], { env })).stdout).tickets as any[];
      const overAdmitted = tickets.filter((t) => t.invariant === "over_admission").map((t) => t.id).sort();
      expect(ofKind(link[0], "over_admission").map((t: any) => t.id).sort()).toEqual(overAdmitted);
      expect(open.filter((i) => i.id !== id && ofKind(i, "over_admission").length > 0)).toEqual([]);
      // One diagnosis and one set of actions for the incident, however many tickets it holds.
      const diagnoses = monitor.events.filter((e) => e.type === "diagnosis" && e.incident_id === id);
      expect(diagnoses.map((e) => e.diagnosis.root_cause.component)).toEqual(["node:a"]);
      expect(link[0].actions.map((a: any) => [a.name, a.params, a.status])).toEqual([["drain_node", { node: "a" }, "proposed"]]);
      const opened = monitor.events.filter((e) => e.type === "incident_opened").map((e) => e.incident.id);
      expect(opened.filter((i) => i !== id && open.some((o) => o.id === i && ofKind(o, "over_admission").length > 0))).toEqual([]);

      monitor.proc.kill("SIGKILL");
      await monitor.proc.exited;
      monitor = spawnMonitor([], env);
      await monitor.cycles(4, 60_000);
      const after = await incidents(env);
      // The same incidents, no twins: what was open is still open under the same ids, and the
      // restarted monitor files what the slow link still causes under the same incident.
      expect(after.filter((i) => i.root_cause?.component === "node:a").map((i) => [i.id, i.status])).toEqual([[id, "open"]]);
      expect(open.filter((i) => !after.some((a) => a.id === i.id)).map((i) => i.id)).toEqual([]);
      expect(after.filter((i) => i.id !== id && ofKind(i, "over_admission").length > 0).map((i) => i.id)).toEqual([]);
      expect(monitor.events.filter((e) => e.type === "diagnosis" && e.incident_id === id)).toEqual([]);
    } finally {
      load.kill();
      await monitor?.[Symbol.asyncDispose]();
      await cluster.cli(["chaos", "revert", "--all"]);
    }
  });

  test("a slow link and a hot key at once are two incidents: merging does not swallow the unrelated fault", async () => {
    const env = monitorEnv();
    const load = background("90s");
    await using monitor = spawnMonitor([], env);
    try {
      await monitor.cycles(2, 60_000);
      expect((await cluster.cli(["chaos", "redis-latency", "--node", "a", "--latency", "80ms", "--duration", "80s"])).exitCode).toBe(0);
      expect((await cluster.cli(["chaos", "hot-key", "--key", "hot-key", "--rate", "500", "--duration", "80s"])).exitCode).toBe(0);
      const hot = await monitor.next((e) => e.type.startsWith("incident_") && e.incident.root_cause?.component === "key:hot-key", { timeoutMs: 75_000 });
      await monitor.next(linkIncident, { timeoutMs: 30_000, seen: true });
      const open = (await incidents(env)).filter((i) => i.status === "open");
      // The link's class depends on how far its node got cut off (latency or partition); its component does not.
      const named = open.filter((i) => i.root_cause).map((i) => [i.root_cause.component, i.root_cause.component === "node:a" ? "link" : i.root_cause.fault_class, i.tickets.some((t: any) => t.invariant === "hot_key")]);
      expect(named.filter(([component]) => component === "node:a" || component === "key:hot-key").sort()).toEqual([
        ["key:hot-key", "hot_key", true],
        ["node:a", "link", false],
      ]);
      expect(hot.incident.tickets.map((t: any) => `${t.invariant}:${t.resource}`)).toContain("hot_key:key:hot-key");
    } finally {
      load.kill();
      await cluster.cli(["chaos", "revert", "--all"]);
    }
  });
});
