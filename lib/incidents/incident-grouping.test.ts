import { describe, expect, test } from "bun:test";
import { causeOfEach, changedFields, checkedFaultClass, highestSeverity, joinTarget, mergePlan, type ChangeView, type IncidentView } from "./incident-grouping.ts";

const incident = (id: number, openedAt: number, openKeys: string[], explains: string[] = [], cause?: string): IncidentView => ({ id, openedAt, openKeys, explains, ...(cause ? { cause } : {}) });

describe("incident grouping", () => {
  test("a new ticket joins the oldest open incident whose cause explains it, else none", () => {
    const open = [incident(3, 3_000, ["a"], ["a", "k1"]), incident(2, 2_000, ["b"], ["b", "k1"]), incident(1, 1_000, ["c"])];
    expect([joinTarget(open, "k1"), joinTarget(open, "a"), joinTarget(open, "c"), joinTarget(open, "zzz"), joinTarget([], "k1")]).toEqual([2, 3, undefined, undefined, undefined]);
  });

  test("a slow link's diagnosis merges the over-admission incidents it explains into the oldest, by time not by id", () => {
    const open = [
      incident(5, 1_000, ["over_admission:key:k1"]),
      incident(6, 2_000, ["node_degraded:node:a"]),
      incident(7, 3_000, ["over_admission:key:k2", "over_admission:key:k3"]),
      incident(4, 4_000, ["hot_key:key:h"]),
    ];
    const explains = ["node_degraded:node:a", "over_admission:key:k1", "over_admission:key:k2", "over_admission:key:k3", "high_check_latency:node:a"];
    expect(mergePlan(open, 6, explains, "node:a network_latency")).toEqual({ target: 5, absorbed: [6, 7] });
  });

  test("merging must not swallow: an incident with one ticket the cause does not explain stays apart, and so does an empty one", () => {
    const open = [incident(1, 1_000, ["over_admission:key:k1", "hot_key:key:h"]), incident(2, 2_000, ["node_degraded:node:a"]), incident(3, 500, [])];
    expect(mergePlan(open, 2, ["node_degraded:node:a", "over_admission:key:k1"], "node:a network_latency")).toEqual({ target: 2, absorbed: [] });
  });

  test("incidents already named with the same cause merge even when the cause no longer covers all their tickets", () => {
    const open = [incident(1, 1_000, ["over_admission:key:old"], [], "node:a network_latency"), incident(2, 2_000, ["node_degraded:node:a"]), incident(3, 900, ["x"], [], "node:b network_latency")];
    expect(mergePlan(open, 2, ["node_degraded:node:a"], "node:a network_latency")).toEqual({ target: 1, absorbed: [2] });
  });

  test("each key's likeliest cause is the surest claim that explains it, the broader on a tie", () => {
    const claims = [
      { component: "node:a", faultClass: "network_latency", confidence: 0.85, explains: ["node_degraded:node:a", "over_admission:key:k1", "over_admission:key:k2"] },
      { component: "node:a", faultClass: "fail_open_fallback", confidence: 0.75, explains: ["over_admission:key:k1"] },
      { component: "key:h", faultClass: "hot_key", confidence: 0.85, explains: ["hot_key:key:h"] },
      { component: "redis", faultClass: "latency", confidence: 0.85, explains: ["hot_key:key:h", "redis_latency:redis"] },
    ];
    expect(Object.fromEntries(causeOfEach(claims))).toEqual({
      "node_degraded:node:a": "node:a network_latency", "over_admission:key:k1": "node:a network_latency", "over_admission:key:k2": "node:a network_latency",
      "hot_key:key:h": "redis latency", "redis_latency:redis": "redis latency",
    });
  });

  test("an incident's severity is the highest of its tickets'", () => {
    expect([highestSeverity(["warning", "critical", "info"]), highestSeverity(["info", "warning"]), highestSeverity([])]).toEqual(["critical", "warning", "info"]);
  });

  test("a fault class outside the subject's closed list is unknown, never free text", () => {
    expect([checkedFaultClass("network_latency", ["network_latency"]), checkedFaultClass("cosmic_rays", ["network_latency"]), checkedFaultClass("x", undefined)]).toEqual(["network_latency", "unknown", "x"]);
  });

  test("changed lists what differs in the journal's words; a reworded summary alone is diagnosis", () => {
    const base: ChangeView = { severity: "warning", rootCause: { component: "node:a", faultClass: "network_latency", summary: "slow" }, tickets: [{ id: 1 }], actions: [], diagnosis: { engine: "builtin" } };
    expect(changedFields(base, { ...base })).toEqual([]);
    expect(changedFields(base, { ...base, rootCause: { ...base.rootCause!, summary: "very slow" } })).toEqual(["diagnosis"]);
    expect(changedFields(base, { ...base, severity: "critical", tickets: [{ id: 1 }, { id: 2 }] })).toEqual(["tickets", "severity"]);
    expect(changedFields({ ...base, rootCause: null, diagnosis: null }, base)).toEqual(["root_cause", "diagnosis"]);
    expect(changedFields(base, { ...base, actions: [{ id: 1 }] })).toEqual(["actions"]);
  });
});
