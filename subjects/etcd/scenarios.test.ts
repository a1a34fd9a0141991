import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { actionDefinitions } from "./actions.ts";
import plugin from "./index.ts";
import { invariants } from "./invariants.ts";
import { FAULT_CLASS } from "./rules.ts";
import { bindTargets, scenarios } from "./scenarios.ts";

describe("etcd scenarios", () => {
  test("name only invariants, fault classes and actions the subject defines, with params their schemas accept", () => {
    const known = new Set(invariants.map((i) => i.name));
    for (const s of scenarios) {
      for (const name of s.expect.invariants) expect(known.has(name)).toBe(true);
      expect(Object.values(FAULT_CLASS)).toContain(s.expect.faultClass as never);
      for (const step of s.remedy) {
        const definition = actionDefinitions.find((d) => d.name === step.action);
        expect(definition?.kind).toBe("action");
        expect(v.safeParse(definition!.params, step.params).success).toBe(true);
      }
    }
    expect(scenarios.map((s) => s.fault.name)).toEqual(["member-kill", "member-pause", "leader-kill", "quorum-loss", "fill-quota"]);
    expect(scenarios.map((s) => s.fault.name).filter((name) => !plugin.faults?.some((f) => f.name === name))).toEqual([]);
  });

  test("{target} is bound to the member the fault acted on", () => {
    const leaderKill = scenarios.find((s) => s.name === "leader-kill")!;
    const bound = bindTargets(leaderKill, ["etcd-1"]);
    expect([bound.expect.resources, bound.expect.components, bound.remedy]).toEqual([
      ["member:etcd-1"],
      ["member:etcd-1"],
      [{ action: "restart_member", params: { member: "etcd-1" } }],
    ]);
  });
});
