// The demo's chapters are data the runner trusts: every name they use must be one the subject defines.
import { describe, expect, test } from "bun:test";
import { resolveOptions } from "../../lib/cli/config.ts";
import { kindOf } from "../../lib/scenario/scenario.ts";
import { ratelimiterActions } from "./actions.ts";
import { demo } from "./chapters.ts";
import { clusterOptions } from "./deployment.ts";
import { faults } from "./faults/index.ts";
import { invariants } from "./invariants.ts";
import { subjectOptions } from "./options.ts";

describe("ratelimiter demo chapters", () => {
  test("at least ten, set up first and torn down last, unique names", () => {
    const names = demo.chapters.map((c) => c.name);
    expect(names.length).toBeGreaterThanOrEqual(10);
    expect(new Set(names).size).toBe(names.length);
    expect([kindOf(demo.chapters[0]!), kindOf(demo.chapters.at(-1)!)]).toEqual(["setup", "teardown"]);
  });

  test("deployment and watch options are ones cluster up and the subject take, with values they accept", () => {
    resolveOptions(clusterOptions, demo.deployment, {});
    for (const c of demo.chapters) resolveOptions(clusterOptions, { ...demo.deployment, ...c.deployment }, {});
    resolveOptions(subjectOptions, demo.watch ?? {}, {});
    const known = new Set([...Object.keys(clusterOptions), ...Object.keys(subjectOptions)]);
    for (const key of [...Object.keys(demo.deployment), ...Object.keys(demo.watch ?? {}), ...demo.chapters.flatMap((c) => Object.keys(c.deployment ?? {}))]) expect(known.has(key)).toBe(true);
  });

  test("faults, invariants and remedies named by every chapter exist, with params they accept", () => {
    const invariantNames = new Set(invariants.map((i) => i.name));
    for (const c of demo.chapters) {
      for (const step of c.faults) {
        const fault = faults.find((f) => f.name === step.fault);
        expect(fault?.name).toBe(step.fault);
        for (const key of Object.keys(step.params)) expect(Object.keys(fault!.options)).toContain(key);
        resolveOptions(fault!.options, step.params, {});
      }
      if (kindOf(c) === "fault" || kindOf(c) === "kill_switch") {
        expect(c.faults.length).toBeGreaterThan(0);
        expect(c.expect.detections.length).toBeGreaterThan(0);
        expect(c.expect.components.length).toBeGreaterThan(0);
      }
      for (const d of c.expect.detections) expect(invariantNames.has(d.invariant)).toBe(true);
      for (const step of c.remedy ?? []) {
        const action = ratelimiterActions.find((a) => a.name === step.action);
        expect(action?.kind).toBe("action");
        const shape = (action!.params as unknown as { entries: Record<string, unknown> }).entries;
        for (const key of Object.keys(step.params)) expect(Object.keys(shape)).toContain(key);
      }
    }
  });
});
