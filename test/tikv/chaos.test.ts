// `operator cluster up|down --subject tikv` and `operator chaos` on the TiKV compose stack, with a
// stand-in `docker` (no engine here) that turns `docker compose stop tikv2` into the PD stand-in's
// store-stop: the real cluster, chaos (leases, revert, verify) and monitor code paths, end to end.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../fixtures/cli.ts";
import { startPdStandIn, type PdStandIn } from "./pd-stand-in.ts";

let standIn: PdStandIn;
let dir: string;
let env: Record<string, string>;
let composeFile: string;

beforeAll(async () => {
  standIn = await startPdStandIn();
  dir = mkdtempSync(join(tmpdir(), "operator-tikv-chaos-"));
  composeFile = join(dir, "docker-compose.yml");
  const pd = standIn.urls.map((url, i) => `  pd${i + 1}:\n    image: pingcap/pd:v8.5.0\n    ports: ["127.0.0.1:${new URL(url).port}:2379"]\n`).join("");
  const tikv = [1, 2, 3].map((i) => `  tikv${i}:\n    image: pingcap/tikv:v8.5.0\n`).join("");
  writeFileSync(composeFile, `services:\n${pd}${tikv}`);
  env = {
    PATH: `${join(import.meta.dir, "fake-docker")}:${process.env.PATH}`,
    FAKE_DOCKER_STAND_IN: standIn.urls.join(","),
    FAKE_DOCKER_LOG: join(dir, "docker.log"),
  };
});
afterAll(async () => {
  await runCli(["chaos", "revert", "--all", "--state-dir", join(dir, "state")], { env });
  await standIn.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli([...args, "--state-dir", join(dir, "state"), "--json"], { env });
const tickets = (stdout: string) =>
  stdout.trim().split("\n").map((l) => JSON.parse(l)).filter((e) => e.type === "ticket_opened").map((e) => `${e.ticket.invariant}:${e.ticket.resource}`).sort();

test("cluster up, chaos store-stop, monitor sees it without --pd-url, revert verified, cluster down", async () => {
  const up = await cli(["cluster", "up", "--subject", "tikv", "--compose-file", composeFile, "--project", "t1"]);
  expect(up.exitCode).toBe(0);
  const cluster = JSON.parse(up.stdout);
  expect(cluster.parts.map((p: { name: string; healthy: boolean }) => `${p.name}:${p.healthy}`)).toEqual(["pd1:true", "pd2:true", "pd3:true", "tikv1:true", "tikv2:true", "tikv3:true"]);

  const chaos = await cli(["chaos", "store-stop", "--store", "tikv2", "--duration", "2m"]);
  expect(chaos.exitCode).toBe(0);
  expect(JSON.parse(chaos.stdout)).toMatchObject({ fault: "store-stop", target: "store:4", status: "active" });

  const seen = await cli(["monitor", "--subject", "tikv", "--once"]);
  expect([seen.exitCode, tickets(seen.stdout)]).toEqual([1, ["leader_imbalance:cluster", "region_down_peer:store:4", "store_down:store:4"]]);

  const revert = await cli(["chaos", "revert", "--all"]);
  expect(revert.exitCode).toBe(0);
  const after = await cli(["monitor", "--subject", "tikv", "--once"]);
  expect(after.exitCode).toBe(0);

  const down = await cli(["cluster", "down"]);
  expect(down.exitCode).toBe(0);
  const calls = readFileSync(join(dir, "docker.log"), "utf8").trim().split("\n").filter((l) => !l.endsWith("version"));
  expect(calls).toEqual([
    `compose -f ${composeFile} -p t1 up -d`,
    `compose -f ${composeFile} -p t1 stop tikv2`,
    `compose -f ${composeFile} -p t1 start tikv2`,
    `compose -f ${composeFile} -p t1 down`,
  ]);
}, 120_000);

test("chaos leader-skew goes through PD itself, pd-stop through docker; each is seen, diagnosed and reverted", async () => {
  const state = ["--state-dir", join(dir, "state2")];
  const run = (args: string[]) => runCli([...args, ...state, "--json"], { env });
  expect((await run(["cluster", "up", "--subject", "tikv", "--compose-file", composeFile, "--project", "t2"])).exitCode).toBe(0);
  const list = JSON.parse((await run(["chaos", "list"])).stdout);
  expect(list.faults.map((f: { name: string }) => f.name)).toEqual(["store-stop", "store-pause", "pd-stop", "pd-quorum-loss", "leader-skew"]);

  expect((await run(["chaos", "leader-skew", "--store", "tikv1", "--duration", "2m"])).exitCode).toBe(0);
  const skewed = await run(["monitor", "--subject", "tikv", "--once"]);
  const events = skewed.stdout.trim().split("\n").map((l) => JSON.parse(l));
  expect([skewed.exitCode, tickets(skewed.stdout)]).toEqual([1, ["leader_imbalance:cluster"]]);
  expect(events.filter((e) => e.type === "diagnosis").map((e) => [e.diagnosis.root_cause.component, e.diagnosis.fault_class])).toEqual([["pd", "scheduling_disabled"]]);
  expect(JSON.parse((await run(["chaos", "revert", "--all"])).stdout)).toMatchObject({ faults: [{ fault: "leader-skew", status: "reverted", verified: true }] });

  expect((await run(["chaos", "pd-stop", "--member", "pd3", "--duration", "2m"])).exitCode).toBe(0);
  const pdDown = await run(["monitor", "--subject", "tikv", "--once"]);
  expect([pdDown.exitCode, tickets(pdDown.stdout).includes("pd_unhealthy:pd")]).toEqual([1, true]);
  expect(JSON.parse((await run(["chaos", "revert", "--all"])).stdout)).toMatchObject({ faults: [{ fault: "pd-stop", status: "reverted", verified: true }] });
  expect((await run(["cluster", "down"])).exitCode).toBe(0);
}, 120_000);

test("the whole loop: a stopped TiKV is ticketed, diagnosed, restart_store proposed, approved, run by the monitor, and the tickets resolve", async () => {
  const state = ["--state-dir", join(dir, "state3")];
  const run = (args: string[]) => runCli([...args, ...state, "--json"], { env });
  expect((await run(["cluster", "up", "--subject", "tikv", "--compose-file", composeFile, "--project", "t3"])).exitCode).toBe(0);
  expect((await run(["chaos", "store-stop", "--store", "tikv3", "--duration", "2m"])).exitCode).toBe(0);
  const first = (await run(["monitor", "--subject", "tikv", "--once"])).stdout.trim().split("\n").map((l) => JSON.parse(l));
  const proposed = first.filter((e) => e.type === "action_proposed").map((e) => e.action);
  expect([...new Set(proposed.map((a) => `${a.name} ${JSON.stringify(a.params)} ${a.risk}`))]).toEqual(['restart_store {"store_id":"5"} medium']);

  expect((await run(["mode", "execute", "--why", "test: let the monitor act"])).exitCode).toBe(0);
  expect((await run(["actions", "approve", String(proposed[0].id), "--why", "tikv3 was stopped by the test"])).exitCode).toBe(0);
  const second = (await run(["monitor", "--subject", "tikv", "--once"])).stdout.trim().split("\n").map((l) => JSON.parse(l));
  expect(second.filter((e) => e.type === "action_finished").map((e) => [e.action.name, e.action.status])).toEqual([["restart_store", "succeeded"]]);
  const third = await run(["monitor", "--subject", "tikv", "--once"]);
  expect(third.exitCode).toBe(0);
  expect(readFileSync(join(dir, "docker.log"), "utf8")).toContain(`compose -f ${composeFile} -p t3 restart tikv3`);
  expect((await run(["cluster", "down"])).exitCode).toBe(0);
}, 120_000);
