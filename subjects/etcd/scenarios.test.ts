import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { flagName } from "../../lib/cli/config.ts";
import { actionDefinitions } from "./actions.ts";
import plugin from "./index.ts";
import { invariants } from "./invariants.ts";
import { FAULT_CLASS } from "./rules.ts";
import { bindScenario, scenarios } from "./scenarios.ts";

describe("etcd scenarios", () => {
  test("name only invariants, faults, flags, fault classes and actions the subject defines, with params their schemas accept", () => {
    const known = new Set(invariants.map((i) => i.name));
    for (const s of scenarios) {
      expect(s.subject).toBe("etcd");
      for (const d of s.expect!.detections) expect(known.has(d.invariant)).toBe(true);
      expect(Object.values(FAULT_CLASS)).toContain(s.expect!.faultClass as never);
      for (const key of Object.keys(s.deployment ?? {})) expect(Object.keys(plugin.deployment!.options)).toContain(key);
      for (const step of s.faults) {
        const fault = plugin.faults!.find((f) => f.name === step.fault);
        expect(fault?.name).toBe(step.fault);
        for (const key of Object.keys(step.params)) expect(Object.keys(fault!.options).map(flagName)).toContain(key);
      }
      for (const step of s.remedy ?? []) {
        const definition = actionDefinitions.find((d) => d.name === step.action);
        expect(definition?.kind).toBe("action");
        expect(v.safeParse(definition!.params, step.params).success).toBe(true);
      }
    }
    expect(scenarios.map((s) => s.faults[0]!.fault)).toEqual(["member-kill", "member-pause", "leader-kill", "quorum-loss", "fill-quota"]);
  });

  test("{leader} is bound to the member leader-kill hit", () => {
    const bound = bindScenario(scenarios.find((s) => s.name === "etcd-leader-kill")!, { leader: "etcd-1" });
    expect([bound.expect!.detections, bound.expect!.components, bound.remedy]).toEqual([
      [{ invariant: "member_down", resource: "member:etcd-1" }],
      ["member:etcd-1"],
      [{ action: "restart_member", params: { member: "etcd-1" } }],
    ]);
  });
});
