// Real faults on a real 3-member etcd: each invariant fires on its fault, on that resource, and
// nothing else does; the built-in rules name the right members.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { watchedEtcd } from "../../test/fixtures/etcd-watch.ts";
import { pollUntil } from "../../test/fixtures/poll.ts";
import { freePort } from "../../test/fixtures/ports.ts";
import { openEtcd } from "./connect.ts";
import { leaderOf } from "./observe.ts";

// Real etcd processes on a shared 2-core machine: starting a cluster or an election can take seconds.
setDefaultTimeout(60_000);

const signal = new AbortController().signal;
// Proposals in flight when members drop fail: a true, short-lived consequence of these faults (its window
// is shorter than its grace, so it opens no ticket on its own); the rules below explain it with the members.
const rig = watchedEtcd({ members: 3 }, { etcdTimeout: 500 }, ["proposals_failing"]);
const { look } = rig;

const until = (keys: string[], what: string) => pollUntil(look, (l) => JSON.stringify(l.keys) === JSON.stringify(keys.toSorted()), { what, timeoutMs: 20_000 });

async function aFollower(): Promise<string> {
  const { observation } = await look();
  const leader = leaderOf(observation)!;
  return observation.members.find((m) => m.id !== leader.id)!.name;
}

describe("etcd faults seen by the subject", () => {
  test("a healthy cluster breaks no invariant", async () => {
    const { keys, observation } = await until([], "a clean cluster");
    expect(keys).toEqual([]);
    expect(observation.members.map((m) => [m.name, m.reachable])).toEqual([["etcd-1", true], ["etcd-2", true], ["etcd-3", true]]);
  });

  test("a killed member is member_down on that member only, blamed on its process", async () => {
    const victim = await aFollower();
    await rig.etcd.kill(victim);
    const seen = await until([`member_down:member:${victim}`], `member_down on ${victim}`);
    expect(seen.violations[0]!.evidence).toMatchObject({ member: victim, error_kind: "refused" });
    expect(seen.hypotheses.map((h) => [h.component, h.faultClass])).toEqual([[`member:${victim}`, "process_down"]]);
    await rig.etcd.restart(victim);
    await until([], `${victim} back`);
  });

  test("a SIGSTOPped member is member_down too, by timeout: a process that does not answer", async () => {
    const victim = await aFollower();
    rig.etcd.pause(victim);
    try {
      const seen = await until([`member_down:member:${victim}`], `member_down on paused ${victim}`);
      expect(seen.violations[0]!.evidence).toMatchObject({ member: victim, error_kind: "timeout" });
      expect(seen.hypotheses.map((h) => [h.component, h.faultClass])).toEqual([[`member:${victim}`, "process_unresponsive"]]);
    } finally {
      rig.etcd.resume(victim);
    }
    await until([], `${victim} resumed`);
  });

  test("two of three killed: no_leader and member_down on both, and the rule names both members", async () => {
    const { observation } = await look();
    const victims = [leaderOf(observation)!.name, await aFollower()].sort();
    await Promise.all(victims.map((name) => rig.etcd.kill(name)));
    const expected = ["no_leader:cluster", ...victims.map((name) => `member_down:member:${name}`)];
    const seen = await until(expected, "quorum loss");
    expect(seen.hypotheses.map((h) => h.component).sort()).toEqual(victims.map((name) => `member:${name}`));
    for (const h of seen.hypotheses) {
      expect(h.faultClass).toBe("process_down");
      expect(h.summary).toContain(`${victims[0]} and ${victims[1]} are down (2 of 3 members)`);
      expect(h.explains).toContain("no_leader:cluster");
      expect(h.explains).toContain(`member_down:${h.component}`);
    }
    await Promise.all(victims.map((name) => rig.etcd.restart(name)));
    await rig.etcd.waitHealthy();
    await until([], "quorum back");
  });

  test("nothing answering and no membership known yet is an unreachable target (exit 3), not a crash", async () => {
    const endpoints = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`];
    const error = await openEtcd({ endpoints, etcdTimeout: 300 }).observe(signal).catch((e) => e);
    expect([error.code, error.exitCode, error.message]).toEqual([
      "etcd_unreachable",
      3,
      `no etcd endpoint answers (${endpoints.join(", ")}): check --endpoints (env OPERATOR_ETCD_ENDPOINTS) and that the members run`,
    ]);
  });

  test("once the membership is known, every member down is data: member_down on each and no_leader", async () => {
    const all = rig.etcd.members.map((m) => m.name);
    await Promise.all(all.map((name) => rig.etcd.kill(name)));
    try {
      const seen = await look();
      expect(seen.observation.membershipSource).toBe("last_known");
      expect(seen.keys).toEqual(["no_leader:cluster", ...all.map((name) => `member_down:member:${name}`)].sort());
    } finally {
      await Promise.all(all.map((name) => rig.etcd.restart(name)));
      await rig.etcd.waitHealthy();
    }
  });
});
