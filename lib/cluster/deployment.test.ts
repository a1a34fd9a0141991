import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { markGoingDown, readDeployment, restartRecordedPart, withProcess, writeDeployment, type DeploymentContext, type DeploymentDefinition } from "./deployment.ts";
import { isSameProcess } from "../process/identity.ts";
import { ownedProcesses } from "../process/owner.ts";
import { spawnDetached, stopProcess } from "../process/supervisor.ts";
import { openState, type State } from "../state/state.ts";

const dir = mkdtempSync(join(tmpdir(), "operator-deployment-"));
const states: State[] = [];
const spawned: { pid: number; startTime: number }[] = [];
afterAll(async () => {
  for (const p of spawned) await stopProcess(p, { graceMs: 500 });
  for (const state of states) state.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Each test's own state dir, with a deployment of one part recorded. */
function recorded(name: string) {
  const state = openState(join(dir, name));
  states.push(state);
  writeDeployment(state, { subject: "fake", createdAt: "", stateDir: state.dir, endpoints: [], processes: [{ pid: 1, startTime: 0, name: "a", role: "part", logFile: "" }], details: {} });
  const ctx: DeploymentContext = { stateDir: state.dir, dir: join(state.dir, "cluster"), env: {}, selfCommand: [], signal: new AbortController().signal, note: () => {} };
  return { state, ctx };
}

/** A deployment whose restart starts a `sleep`; `during` runs while the restart is under way. */
function fakeDeployment(state: State, during: () => void): DeploymentDefinition {
  return {
    restart: async (_ctx, record, part) => {
      const identity = spawnDetached({ argv: ["sleep", "30"], logFile: join(state.dir, `${part}.log`), owner: state.dir });
      spawned.push(identity);
      during();
      return withProcess(record, { ...identity, name: part, role: "part", logFile: "" });
    },
  } as Partial<DeploymentDefinition> as DeploymentDefinition;
}

describe("restarting a part of a recorded deployment", () => {
  test("a restart is recorded while the deployment is up", async () => {
    const { state, ctx } = recorded("up");
    const next = await restartRecordedPart(state, fakeDeployment(state, () => {}), ctx, "a");
    expect(readDeployment(state)!.processes[0]!.pid).toBe(next.processes[0]!.pid);
    expect(isSameProcess(next.processes[0]!)).toBe(true);
  });

  test("down overtaking a restart: the new process is stopped, not recorded, and the restart says why", async () => {
    const { state, ctx } = recorded("overtaken");
    const restart = restartRecordedPart(state, fakeDeployment(state, () => markGoingDown(state, Date.now())), ctx, "a");
    await expect(restart).rejects.toThrow(`the cluster in ${state.dir} is being taken down: nothing is started in it`);
    expect([readDeployment(state)!.processes[0]!.pid, ownedProcesses(state.dir)]).toEqual([1, []]);
  });

  test("once down has begun, nothing is started", async () => {
    const { state, ctx } = recorded("going-down");
    markGoingDown(state, Date.now());
    const before = spawned.length;
    await expect(restartRecordedPart(state, fakeDeployment(state, () => {}), ctx, "a")).rejects.toThrow("is being taken down");
    expect(spawned.length).toBe(before);
  });
});
