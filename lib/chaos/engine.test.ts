import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { markGoingDown, writeDeployment, type DeploymentRecord } from "../cluster/deployment.ts";
import { openState } from "../state/state.ts";
import type { SubjectPlugin } from "../subject/subject.ts";
import { injectFault, revertExpired, revertFault } from "./engine.ts";
import type { FaultDefinition } from "./fault.ts";
import { sessionFor } from "./session.ts";
import { getFault, listFaults, recordedWatchdog } from "./store.ts";
import { stopProcess } from "../process/supervisor.ts";

// A fake subject whose one fault flips a switch; a test can make its revert not take, or its inject fail.
const world = { switches: new Map<string, boolean>(), revertTakes: true, injectFails: false, seenAtInject: "", duringInject: undefined as (() => void) | undefined };
const flip: FaultDefinition = {
  name: "flip",
  description: "turns a switch off",
  targets: "a switch: --name N",
  options: {},
  async plan(_ctx, params) {
    const name = String(params.name ?? "s");
    return { target: { resource: `switch:${name}`, identity: { name } }, revert: { name }, summary: `turn ${name} off` };
  },
  async inject(_ctx, fault) {
    world.seenAtInject = getFault(state, fault.id)!.status;
    if (world.injectFails) throw new Error("switch stuck");
    world.switches.set(String(fault.revertPlan.name), false);
    world.duringInject?.();
    return { learned: 1 };
  },
  async revert(_ctx, fault) {
    if (world.revertTakes) world.switches.set(String(fault.revertPlan.name), true);
  },
  async isReverted(_ctx, fault) {
    return world.switches.get(String(fault.revertPlan.name)) === true;
  },
};
const plugin = { name: "fake", faults: [flip] } as unknown as SubjectPlugin;
const dir = mkdtempSync(join(tmpdir(), "operator-chaos-"));
const state = openState(dir);
const deployment: DeploymentRecord = { subject: "fake", createdAt: "", stateDir: dir, endpoints: [], processes: [], details: {} };
// The watchdog this session starts is a stand-in process that only waits (no registry subject here).
const env = { stateDir: dir, env: {}, selfCommand: ["bun", "-e", "setTimeout(() => {}, 60_000)"], signal: new AbortController().signal, note: () => {}, verifyTimeoutMs: 500 };
const session = await sessionFor(env, state, deployment, plugin);
afterAll(async () => {
  const watchdog = recordedWatchdog(state);
  if (watchdog) await stopProcess(watchdog);
  state.close();
  rmSync(dir, { recursive: true, force: true });
});
const lease = { durationMs: 60_000, stack: false, dryRun: false };

describe("chaos engine", () => {
  test("a fault is recorded before it is injected, then active with its expiry; what inject learned joins the plan", async () => {
    const outcome = await injectFault(session, "flip", { name: "a" }, lease);
    if (outcome.dryRun) throw new Error("not a dry run");
    expect(world.seenAtInject).toBe("injecting");
    expect(world.switches.get("a")).toBe(false);
    expect({ status: outcome.record.status, target: outcome.record.target, plan: outcome.record.revertPlan, lease: outcome.record.expiresAt - outcome.record.injectedAt }).toEqual({
      status: "active",
      target: "switch:a",
      plan: { name: "a", learned: 1 },
      lease: 60_000,
    });
  });

  test("a second fault on one target is refused unless stacked; a dry run touches nothing", async () => {
    await expect(injectFault(session, "flip", { name: "a" }, lease)).rejects.toThrow(/is already active on switch:a: revert it first .* or pass --stack/);
    const before = listFaults(state).length;
    const dry = await injectFault(session, "flip", { name: "b" }, { ...lease, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, plan: { summary: "turn b off" } });
    expect([listFaults(state).length, world.switches.has("b")]).toEqual([before, false]);
    const stacked = await injectFault(session, "flip", { name: "a" }, { ...lease, stack: true });
    expect(stacked.dryRun).toBe(false);
  });

  test("revert is verified and idempotent", async () => {
    const id = listFaults(state, { activeOnly: true })[0]!.id;
    const first = await revertFault(session, id);
    const second = await revertFault(session, id);
    expect([first.outcome, first.record.status, first.record.verified, second.outcome]).toEqual(["reverted", "reverted", true, "already-reverted"]);
    expect(world.switches.get("a")).toBe(true);
    await expect(revertFault(session, 999)).rejects.toThrow("no fault #999");
  });

  test("a revert that does not show from outside leaves the fault active, with the reason", async () => {
    const outcome = await injectFault(session, "flip", { name: "c" }, lease);
    if (outcome.dryRun) throw new Error("not a dry run");
    world.revertTakes = false;
    const failed = await revertFault(session, outcome.record.id);
    world.revertTakes = true;
    expect([failed.outcome, failed.record.status, failed.record.verified, failed.record.error]).toEqual(["failed", "active", false, "the revert did not show from outside within 500ms"]);
    expect((await revertFault(session, outcome.record.id)).outcome).toBe("reverted");
  });

  test("only expired leases are reverted by revertExpired", async () => {
    for (const f of listFaults(state, { activeOnly: true })) await revertFault(session, f.id);
    const long = await injectFault(session, "flip", { name: "d" }, lease);
    const short = await injectFault(session, "flip", { name: "e" }, { ...lease, durationMs: 1 });
    if (long.dryRun || short.dryRun) throw new Error("not a dry run");
    await Bun.sleep(5);
    const reverted = await revertExpired(session);
    expect(reverted.map((r) => r.record.id)).toEqual([short.record.id]);
    expect(getFault(state, long.record.id)!.status).toBe("active");
  });

  test("an inject that fails is undone and recorded, and the error surfaces", async () => {
    world.injectFails = true;
    await expect(injectFault(session, "flip", { name: "f" }, lease)).rejects.toThrow("switch stuck");
    world.injectFails = false;
    const last = listFaults(state).at(-1)!;
    expect([last.target, last.status, last.verified, last.error]).toEqual(["switch:f", "reverted", false, "inject failed: switch stuck"]);
  });

  // Last: it takes the deployment down for good.
  test("once the cluster goes down nothing is injected; an inject that down overtook is taken back", async () => {
    writeDeployment(state, deployment);
    world.duringInject = () => markGoingDown(state, Date.now());
    await expect(injectFault(session, "flip", { name: "g" }, lease)).rejects.toThrow(`the cluster in ${dir} is being taken down`);
    world.duringInject = undefined;
    const overtaken = listFaults(state).at(-1)!;
    expect([overtaken.target, overtaken.status, overtaken.error, world.switches.get("g")]).toEqual(["switch:g", "reverted", "cancelled: the cluster was taken down", true]);
    await expect(injectFault(session, "flip", { name: "h" }, lease)).rejects.toThrow("is being taken down");
    expect(listFaults(state).at(-1)!.target).toBe("switch:g");
  });
});
