import { expect, test } from "bun:test";
import { healthyMember, MEMBER_IDS, observation, withStatus } from "../../test/fixtures/etcd-observation.ts";
import { leaderOf, observationErrors } from "./observe.ts";

test("what a member answered but could not be read becomes an observation error, not a violation", () => {
  const garbage = { ...healthyMember(1), reachable: false, status: null, metrics: null, error: { kind: "malformed" as const, message: "http://127.0.0.1:23791/v3/maintenance/status answered 200 with non-JSON: <html>" } };
  const noMetrics = { ...healthyMember(2), metrics: null, metricsError: "http://127.0.0.1:23792/metrics answered HTTP 500" };
  expect(observationErrors(observation([healthyMember(0), garbage, noMetrics]))).toEqual([
    "member etcd-2: http://127.0.0.1:23791/v3/maintenance/status answered 200 with non-JSON: <html>",
    "member etcd-3: metrics unreadable: http://127.0.0.1:23792/metrics answered HTTP 500",
  ]);
  expect(observationErrors(observation())).toEqual([]);
});

test("the leader is the member most answering members name, by its exact id", () => {
  const o = observation([healthyMember(0), healthyMember(1), withStatus(healthyMember(2), { leaderId: MEMBER_IDS[2]! })]);
  expect(leaderOf(o)?.name).toBe("etcd-1");
  expect(leaderOf(observation([0, 1, 2].map((i) => withStatus(healthyMember(i), { leaderId: null }))))).toBeNull();
});
