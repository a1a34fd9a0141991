// End to end, the way an SRE's script meets it: `operator monitor --subject tikv --once` against a
// PD (the stand-in) with one TiKV stopped opens store_down on that store and one region ticket for
// all its regions, exits 1; the diagnosis of every ticket names that store.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../fixtures/cli.ts";
import { startPdStandIn, type PdStandIn } from "./pd-stand-in.ts";

let standIn: PdStandIn;
let stateDir: string;

beforeAll(async () => {
  standIn = await startPdStandIn({ storeIds: ["1", "9007199254740993", "5"] });
  stateDir = mkdtempSync(join(tmpdir(), "operator-tikv-e2e-"));
});
afterAll(async () => {
  await standIn.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const events = (stdout: string) => stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));

test("monitor --once on a healthy cluster: no ticket, exit 0", async () => {
  const { exitCode, stdout } = await runCli(["monitor", "--subject", "tikv", "--pd-url", standIn.urls.join(","), "--once", "--json", "--state-dir", stateDir]);
  expect([exitCode, events(stdout).filter((e) => e.type === "ticket_opened")]).toEqual([0, []]);
});

test("monitor --once with a TiKV stopped: store_down on its store, its regions in one ticket, all diagnosed as that store; exit 1; operator diagnose agrees", async () => {
  await standIn.inject({ name: "store-stop", params: { store: "tikv2" } });
  const pdUrl = standIn.urls.join(",");
  const { exitCode, stdout } = await runCli(["monitor", "--subject", "tikv", "--pd-url", pdUrl, "--once", "--json", "--state-dir", stateDir]);
  expect(exitCode).toBe(1);
  const stream = events(stdout);
  const opened = stream.filter((e) => e.type === "ticket_opened").map((e) => e.ticket);
  expect(opened.map((t) => `${t.invariant}:${t.resource}`).sort()).toEqual([
    "leader_imbalance:cluster",
    "region_down_peer:store:9007199254740993",
    "store_down:store:9007199254740993",
  ]);
  // One cause, one incident: its three tickets, diagnosed once as that store.
  const diagnosed = stream.filter((e) => e.type === "diagnosis").map((e) => [e.diagnosis.root_cause.component, e.diagnosis.fault_class]);
  expect(diagnosed).toEqual([["store:9007199254740993", "process_down"]]);
  const incidents = JSON.parse((await runCli(["incidents", "list", "--status", "open", "--json", "--state-dir", stateDir])).stdout).incidents;
  expect(incidents.map((i: any) => [i.root_cause.component, i.root_cause.fault_class, i.tickets.map((t: { invariant: string }) => t.invariant).sort()])).toEqual([
    ["store:9007199254740993", "process_down", ["leader_imbalance", "region_down_peer", "store_down"]],
  ]);
  expect(stream.filter((e) => e.type === "error")).toEqual([]);

  const regionTicket = opened.find((t) => t.invariant === "region_down_peer");
  // The ticket knows its subject (tikv): no --subject, and its connection flag still applies.
  const diagnose = await runCli(["diagnose", String(regionTicket.id), "--pd-url", pdUrl, "--json", "--state-dir", stateDir]);
  expect(diagnose.exitCode).toBe(0);
  const diagnosis = JSON.parse(diagnose.stdout);
  expect([diagnosis.root_cause.component, diagnosis.fault_class, diagnosis.recommended_actions.map((a: { name: string; params: unknown }) => [a.name, a.params])]).toEqual([
    "store:9007199254740993",
    "process_down",
    [["remove_store", { store_id: "9007199254740993" }]],
  ]);
  expect(diagnosis.evidence).toContain("30 regions have a down peer on store 9007199254740993");
});

test("monitor --once with no PD answering: exit 3 and an error event naming each endpoint and --pd-url", async () => {
  const down = await startPdStandIn();
  const urls = down.urls.join(",");
  await down.stop();
  const { exitCode, stdout } = await runCli(["monitor", "--subject", "tikv", "--pd-url", urls, "--once", "--json", "--state-dir", stateDir]);
  expect(exitCode).toBe(3);
  const [error] = events(stdout).filter((e) => e.type === "error");
  expect(error.message).toBe(
    `no PD endpoint answered GET /pd/api/v1/members: ${down.urls.map((u) => `${u} (connection refused)`).join(", ")}; check --pd-url (env OPERATOR_PD_URL)`,
  );
});

test("a bad --pd-url is a usage error (exit 2) naming the flag and its env", async () => {
  const { exitCode, stderr } = await runCli(["monitor", "--subject", "tikv", "--pd-url", "pd1:2379", "--once", "--state-dir", stateDir]);
  expect(exitCode).toBe(2);
  expect(stderr.trim().split("\n").at(-1)).toBe(
    'operator: --pd-url "pd1:2379" is not a comma-separated list of http(s) URLs such as http://pd1:2379,http://pd2:2379 (env OPERATOR_PD_URL)',
  );
});
