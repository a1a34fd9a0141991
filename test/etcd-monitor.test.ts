// The etcd subject through the monitor, as a script runs it: exit codes, NDJSON events, tickets.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./fixtures/cli.ts";
import { startEtcdCluster, type EtcdCluster } from "./fixtures/etcd.ts";
import { freePort } from "./fixtures/ports.ts";

// Real etcd processes on a shared 2-core machine: starting a cluster or an election can take seconds.
setDefaultTimeout(60_000);

let etcd: EtcdCluster;
let stateDir: string;

beforeAll(async () => {
  etcd = await startEtcdCluster({ members: 3 });
  stateDir = mkdtempSync(join(tmpdir(), "operator-etcd-monitor-"));
});
afterAll(async () => {
  await etcd?.stopAll();
  rmSync(stateDir, { recursive: true, force: true });
});

const monitorOnce = (endpoints: string[], extra: string[] = []) =>
  runCli(["monitor", "--subject", "etcd", "--once", "--json", "--state-dir", stateDir, ...extra], { env: { OPERATOR_ETCD_ENDPOINTS: endpoints.join(",") } });
const events = (stdout: string) => stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);

test("monitor --once on a healthy etcd: exit 0, one clean cycle", async () => {
  const result = await monitorOnce(etcd.endpoints);
  expect(result.exitCode).toBe(0);
  expect(events(result.stdout).map((e) => [e.type, e.violations])).toEqual([["cycle", 0]]);
});

test("a killed member: exit 1, member_down on that member only, and a ticket for it", async () => {
  await etcd.kill("etcd-3");
  try {
    const result = await monitorOnce(etcd.endpoints);
    expect(result.exitCode).toBe(1);
    const seen = events(result.stdout);
    expect(seen.filter((e) => e.type === "violation").map((e) => e.key)).toEqual(["member_down:member:etcd-3"]);
    expect(seen.find((e) => e.type === "ticket_opened")?.ticket).toMatchObject({ subject: "etcd", invariant: "member_down", resource: "member:etcd-3", severity: "critical", status: "open" });
    const tickets = await runCli(["tickets", "list", "--json", "--state-dir", stateDir]);
    expect(tickets.exitCode).toBe(0);
    expect(JSON.stringify(JSON.parse(tickets.stdout))).toContain('"resource":"member:etcd-3"');

    // The ticket knows its subject: no --subject, the endpoints from the environment as a script has them.
    const id = String(seen.find((e) => e.type === "ticket_opened")!.ticket.id);
    const env = { OPERATOR_ETCD_ENDPOINTS: etcd.endpoints.join(",") };
    const diagnosed = await runCli(["diagnose", id, "--json", "--state-dir", stateDir], { env });
    expect([diagnosed.exitCode, diagnosed.stderr]).toEqual([0, ""]);
    const doc = JSON.parse(diagnosed.stdout);
    expect([doc.root_cause.component, doc.fault_class]).toEqual(["member:etcd-3", "process_down"]);
    const contradicted = await runCli(["diagnose", id, "--subject", "ratelimiter", "--state-dir", stateDir], { env });
    expect([contradicted.exitCode, contradicted.stderr]).toEqual([2, `operator: ticket ${id} is about subject etcd, not ratelimiter: drop --subject ratelimiter (the ticket knows its subject)\n`]);
    const incident = JSON.parse((await runCli(["incidents", "show", String(doc.incident_id), "--json", "--state-dir", stateDir])).stdout);
    expect([incident.subject, incident.root_cause, incident.tickets.map((t: { resource: string }) => t.resource)]).toEqual(["etcd", { component: "member:etcd-3", fault_class: "process_down", summary: doc.root_cause.summary }, ["member:etcd-3"]]);
  } finally {
    await etcd.restart("etcd-3");
    await etcd.waitHealthy();
  }
  const healed = await monitorOnce(etcd.endpoints);
  expect(healed.exitCode).toBe(0);
  expect(events(healed.stdout).filter((e) => e.type === "ticket_resolved").map((e) => e.ticket.resource)).toEqual(["member:etcd-3"]);
});

test("no endpoint answering is exit 3; endpoints that are not URLs are exit 2 with one line naming the flag", async () => {
  const nobody = await monitorOnce([`http://127.0.0.1:${await freePort()}`]);
  expect(nobody.exitCode).toBe(3);
  const bad = await runCli(["monitor", "--subject", "etcd", "--once", "--endpoints", "ftp://x", "--state-dir", stateDir]);
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr).toEndWith('operator: --endpoints "ftp://x" holds a URL that is not http(s): use http://127.0.0.1:2379,http://127.0.0.1:22379 (env OPERATOR_ETCD_ENDPOINTS)\n');
});
