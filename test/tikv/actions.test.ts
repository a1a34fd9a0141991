// Actions through PD change what PD then reports; tools read; refusals and outages are results.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeDeployment } from "../../lib/cluster/deployment.ts";
import { openState } from "../../lib/state/state.ts";
import plugin from "../../subjects/tikv/index.ts";
import { toJsonSchema } from "../../lib/diagnosis/json-schema.ts";
import { actionDefinitions } from "../../subjects/tikv/actions.ts";
import type { PdStore } from "../../subjects/tikv/pd-shapes.ts";
import { keysOf, look, openSubject, run } from "./helpers.ts";
import { startPdStandIn } from "./pd-stand-in.ts";

const leaders = (stores: PdStore[] | null) => Object.fromEntries((stores ?? []).map((s) => [s.id, s.leaderCount]));

test("transfer_leader moves one region's leader, and PD lists the operator", async () => {
  await using standIn = await startPdStandIn();
  const subject = await openSubject(standIn);
  const before = await run(subject, "get_region", { region_id: "2" });
  expect((before.data as { leader: { storeId: string } }).leader.storeId).toBe("1");
  expect(await run(subject, "transfer_leader", { region_id: "2", to_store_id: "4" })).toEqual({ ok: true, retryable: false, message: "The operator is created." });
  const after = await run(subject, "get_region", { region_id: "2" });
  expect([after.message, (after.data as { leader: { storeId: string } }).leader.storeId]).toEqual(["region 2: 3 peers, leader on store 4", "4"]);
  const operators = await run(subject, "list_operators", {});
  expect(operators.message).toBe("1 operator running");
  expect((operators.data as string[])[0]).toStartWith("admin-transfer-leader {transfer leader: store 1 to 4}");
});

// PD's balance-leader leaves a gap of a leader or two alone; so does the stand-in.
test("evict_leaders empties a store of leaders without a leader_imbalance ticket; cancel brings them back", async () => {
  await using standIn = await startPdStandIn();
  const subject = await openSubject(standIn);
  expect(await run(subject, "evict_leaders", { store_id: "4" })).toEqual({ ok: true, retryable: false, message: "The scheduler is created." });
  let seen = await look(subject);
  expect([leaders(seen.observation.stores), seen.observation.evictLeaderStoreIds, keysOf(seen.violations)]).toEqual([{ "1": 15, "4": 0, "5": 15 }, ["4"], []]);
  expect(await run(subject, "cancel_evict_leaders", { store_id: "4" })).toEqual({ ok: true, retryable: false, message: "The scheduler is removed." });
  seen = await look(subject);
  expect([leaders(seen.observation.stores), seen.observation.schedulers?.includes("evict-leader-scheduler")]).toEqual([{ "1": 11, "4": 9, "5": 10 }, false]);
});

test("set_store_weight shifts leaders towards the heavier store", async () => {
  await using standIn = await startPdStandIn();
  const subject = await openSubject(standIn);
  expect((await run(subject, "set_store_weight", { store_id: "5", leader_weight: 2, region_weight: 1 })).ok).toBe(true);
  const { observation } = await look(subject);
  expect(leaders(observation.stores)).toEqual({ "1": 8, "4": 8, "5": 14 });
  expect(observation.stores!.find((s) => s.id === "5")!.leaderWeight).toBe(2);
});

test("pause_scheduler and resume_scheduler; resuming balance-leader evens out skewed leaders", async () => {
  await using standIn = await startPdStandIn();
  const subject = await openSubject(standIn);
  expect(await run(subject, "pause_scheduler", { name: "balance-region-scheduler", delay_s: 60 })).toEqual({
    ok: true,
    retryable: false,
    message: "Pause or resume the scheduler successfully.",
  });
  expect((await look(subject)).observation.pausedSchedulers).toEqual(["balance-region-scheduler"]);
  await standIn.inject({ name: "leader-skew", params: { store: "tikv1" } });
  expect(keysOf((await look(subject)).violations)).toEqual(["leader_imbalance:cluster"]);
  expect((await run(subject, "resume_scheduler", { name: "balance-leader-scheduler" })).ok).toBe(true);
  const { observation, violations } = await look(subject);
  expect([leaders(observation.stores), observation.pausedSchedulers, keysOf(violations)]).toEqual([{ "1": 11, "4": 10, "5": 9 }, ["balance-region-scheduler"], []]);
});

test("remove_peer drops a replica, and PD makes it up again on a serving store", async () => {
  await using standIn = await startPdStandIn();
  const subject = await openSubject(standIn);
  const peerOn1 = async () => ((await run(subject, "get_region", { region_id: "3" })).data as { peers: { id: string; storeId: string }[] }).peers.find((p) => p.storeId === "1")?.id;
  const before = await peerOn1();
  expect((await run(subject, "remove_peer", { region_id: "3", store_id: "1" })).ok).toBe(true);
  const after = await peerOn1();
  expect([before !== undefined, after !== undefined, after !== before]).toEqual([true, true, true]);
});

test("remove_store drains a Down store onto the spare one, which clears every ticket", async () => {
  await using standIn = await startPdStandIn({ stores: 4 });
  const subject = await openSubject(standIn);
  await standIn.inject({ name: "store-stop", params: { store: "tikv1" } });
  expect(keysOf((await look(subject)).violations)).toEqual(["leader_imbalance:cluster", "region_down_peer:store:1", "store_down:store:1"]);
  expect(await run(subject, "remove_store", { store_id: "1" })).toEqual({ ok: true, retryable: false, message: "The store is set as Offline." });
  const { observation, violations } = await look(subject);
  expect([observation.stores!.map((s) => s.id), keysOf(violations)]).toEqual([["4", "5", "6"], []]);
});

test("read-only tools: a store, PD's config, and PD's 404 as a result that says so", async () => {
  await using standIn = await startPdStandIn();
  const subject = await openSubject(standIn);
  const store = await run(subject, "get_store", { store_id: "4" });
  expect([store.ok, store.message]).toEqual([true, "store 4 (tikv2:20160) is Up"]);
  const config = await run(subject, "get_config", {});
  expect((config.data as Record<string, unknown>)["max-store-down-time"]).toBe("0s");
  expect(await run(subject, "get_store", { store_id: "99" })).toEqual({
    ok: false,
    retryable: false,
    message: `get_store: PD at ${standIn.url} answered 404 to GET /pd/api/v1/store/99: [PD:core:ErrStoreNotFound]store id 99 not found`,
  });
  expect(await run(subject, "query_prometheus", { query: "up" })).toEqual({
    ok: false,
    retryable: true,
    message: "query_prometheus: no Prometheus configured: pass --prometheus-url (env OPERATOR_PROMETHEUS_URL)",
  });
});

test("bad params and unknown actions are refused before PD is called", async () => {
  await using standIn = await startPdStandIn();
  const subject = await openSubject(standIn);
  expect(await run(subject, "evict_leaders", { store_id: "abc" })).toEqual({ ok: false, retryable: false, message: 'evict_leaders: store_id must be a positive integer id as text, such as "4"' });
  expect(await run(subject, "set_store_weight", { store_id: "1", leader_weight: -1, region_weight: 1 })).toMatchObject({ ok: false, retryable: false });
  expect((await run(subject, "reboot_everything", {})).message).toStartWith('unknown tikv action "reboot_everything": use one of transfer_leader, ');
});

test("with PD away, an action fails as retryable", async () => {
  const standIn = await startPdStandIn();
  const subject = await openSubject(standIn);
  await standIn.stop();
  const result = await run(subject, "evict_leaders", { store_id: "1" });
  expect([result.ok, result.retryable, result.message.startsWith("evict_leaders: no PD endpoint answered POST /pd/api/v1/schedulers")]).toEqual([false, true, true]);
});

test("every action's params render as JSON Schema for LLM tools; ids are pattern-checked text", () => {
  const rendered = Object.fromEntries(actionDefinitions.map((a) => [a.name, toJsonSchema(a.params)]));
  expect(rendered.evict_leaders).toEqual({
    type: "object",
    properties: { store_id: { type: "string", pattern: "^[1-9]\\d{0,19}$", description: "PD id (uint64) as decimal text" } },
    required: ["store_id"],
    additionalProperties: false,
  });
  expect(Object.keys(rendered)).toHaveLength(14);
});

test("restart_store restarts a store's TiKV in the local cluster the operator started, and is refused elsewhere", async () => {
  await using standIn = await startPdStandIn();
  const stateDir = mkdtempSync(join(tmpdir(), "operator-tikv-restart-"));
  try {
    const state = openState(stateDir);
    writeDeployment(state, {
      subject: "tikv", createdAt: new Date().toISOString(), stateDir, endpoints: standIn.urls, processes: [],
      details: { compose_file: "/x.yml", project: "p", compose_cli: ["docker", "compose"], pd_services: ["pd1", "pd2", "pd3"], tikv_services: ["tikv1", "tikv2", "tikv3"], prometheus_url: null },
    });
    state.close();
    const restarted: string[] = [];
    const context = {
      stateDir,
      // What `docker compose restart tikv2` does to the stand-in: the stopped store is back.
      restartPart: async (part: string) => {
        restarted.push(part);
        await standIn.revert({ name: "store-stop", params: { store: part } });
      },
    };
    const subject = await plugin.open({}, context);
    await standIn.inject({ name: "store-stop", params: { store: "tikv2" } });
    const { observation, violations } = await look(subject);
    const [cause] = subject.diagnosisRules.flatMap((r) => r.evaluate({ violations, observation, history: [], now: observation.observedAtMs }));
    expect([cause!.component, cause!.actions.map((a) => [a.name, a.params])]).toEqual(["store:4", [["restart_store", { store_id: "4" }]]]);
    expect(await run(subject, "restart_store", { store_id: "4" })).toEqual({ ok: true, retryable: false, message: "restarted tikv2 (store 4)" });
    expect([restarted, keysOf((await look(subject)).violations)]).toEqual([["tikv2"], []]);

    const elsewhere = await openSubject(standIn);
    expect(await run(elsewhere, "restart_store", { store_id: "4" })).toEqual({
      ok: false,
      retryable: false,
      message: "restart_store: store 4 (tikv2:20160) is not in a local cluster this operator started (cluster up --subject tikv): restart TiKV there yourself",
    });
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
