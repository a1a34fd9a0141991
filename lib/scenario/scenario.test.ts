import { expect, test } from "bun:test";
import { bindPlaceholders, type Scenario } from "./scenario.ts";

const leaderKill: Scenario = {
  name: "leader-kill", subject: "s", title: "t", narration: "n",
  faults: [{ fault: "leader-kill", params: {}, durationMs: 1_000 }],
  expect: { detections: [{ invariant: "member_down", resource: "member:{leader}" }], deadlineMs: 1_000, components: ["member:{leader}"], faultClass: "process_down", tolerated: ["x:member:{leader}"] },
  remedy: [{ action: "restart_member", params: { member: "{leader}" } }],
};

test("a {placeholder} is bound from the target a fault hit, throughout the expectation and the remedy", () => {
  const bound = bindPlaceholders(leaderKill, ["cluster", "member:m2"]);
  expect([bound.expect.detections, bound.expect.components, bound.expect.tolerated, bound.remedy]).toEqual([
    [{ invariant: "member_down", resource: "member:m2" }], ["member:m2"], ["x:member:m2"], [{ action: "restart_member", params: { member: "m2" } }],
  ]);
});

test("no target that fits leaves the placeholder as it is; a scenario without one is returned unchanged", () => {
  expect(bindPlaceholders(leaderKill, ["cluster", "node:b"]).expect.components).toEqual(["member:{leader}"]);
  const plain = { ...leaderKill, expect: { ...leaderKill.expect, components: ["node:b"], detections: [] } };
  expect(bindPlaceholders(plain, ["node:b"])).toBe(plain);
});
