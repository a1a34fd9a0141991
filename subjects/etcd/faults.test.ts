// Real faults on a real 3-member etcd: each invariant fires on its fault, on that resource, and
// nothing else does; the built-in rules name the right members.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { violationKey, type Subject } from "../../lib/subject.ts";
import { startEtcdCluster, type EtcdCluster } from "../../test/fixtures/etcd.ts";
import { pollUntil } from "../../test/fixtures/poll.ts";
import { freePort } from "../../test/fixtures/ports.ts";
import { openEtcd } from "./index.ts";
import { leaderOf, type EtcdObservation } from "./observe.ts";

let etcd: EtcdCluster;
let subject: Subject<EtcdObservation>;
const signal = new AbortController().signal;

beforeAll(async () => {
  etcd = await startEtcdCluster({ members: 3 });
  subject = openEtcd({ endpoints: etcd.endpoints, etcdTimeout: 500 });
});
afterAll(() => etcd?.stopAll());

async function look() {
  const observation = await subject.observe(signal);
  const violations = subject.invariants.flatMap((i) => i.check(observation, Date.now()));
  const hypotheses = subject.diagnosisRules.flatMap((r) => r.evaluate({ violations, observation, history: [], now: Date.now() }));
  return { observation, violations, keys: violations.map(violationKey).sort(), hypotheses };
}

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
    await etcd.kill(victim);
    const seen = await until([`member_down:member:${victim}`], `member_down on ${victim}`);
    expect(seen.violations[0]!.evidence).toMatchObject({ member: victim, error_kind: "refused" });
    expect(seen.hypotheses.map((h) => [h.component, h.faultClass])).toEqual([[`member:${victim}`, "process_down"]]);
    await etcd.restart(victim);
    await until([], `${victim} back`);
  }, 30_000);

  test("a SIGSTOPped member is member_down too, by timeout: a process that does not answer", async () => {
    const victim = await aFollower();
    etcd.pause(victim);
    try {
      const seen = await until([`member_down:member:${victim}`], `member_down on paused ${victim}`);
      expect(seen.violations[0]!.evidence).toMatchObject({ member: victim, error_kind: "timeout" });
      expect(seen.hypotheses.map((h) => [h.component, h.faultClass])).toEqual([[`member:${victim}`, "process_unresponsive"]]);
    } finally {
      etcd.resume(victim);
    }
    await until([], `${victim} resumed`);
  }, 30_000);

  test("two of three killed: no_leader and member_down on both, and the rule names both members", async () => {
    const { observation } = await look();
    const victims = [leaderOf(observation)!.name, await aFollower()].sort();
    await Promise.all(victims.map((name) => etcd.kill(name)));
    const expected = ["no_leader:cluster", ...victims.map((name) => `member_down:member:${name}`)];
    // Failed proposals are a true consequence of quorum loss; when they show up, the same hypotheses explain them.
    const seen = await pollUntil(look, (l) => JSON.stringify(l.keys.filter((k) => k !== "proposals_failing:cluster")) === JSON.stringify(expected.toSorted()), { what: "quorum loss", timeoutMs: 20_000 });
    expect(seen.hypotheses.map((h) => h.component).sort()).toEqual(victims.map((name) => `member:${name}`));
    for (const h of seen.hypotheses) {
      expect(h.faultClass).toBe("process_down");
      expect(h.summary).toContain(`${victims[0]} and ${victims[1]} are down (2 of 3 members)`);
      expect(h.explains).toContain("no_leader:cluster");
      expect(h.explains).toContain(`member_down:${h.component}`);
    }
    await Promise.all(victims.map((name) => etcd.restart(name)));
    await etcd.waitHealthy();
    // The failed proposals stay in their 20 s window after the quorum is back; they are not a new fault.
    await pollUntil(look, (l) => l.keys.every((k) => k === "proposals_failing:cluster"), { what: "quorum back" });
  }, 60_000);

  test("nothing answering at all: members are named after the endpoints, all down, no leader", async () => {
    const ports = [await freePort(), await freePort()];
    const lonely = openEtcd({ endpoints: ports.map((p) => `http://127.0.0.1:${p}`), etcdTimeout: 300 });
    const o = await lonely.observe(signal);
    expect(o.membershipSource).toBe("endpoints");
    expect(lonely.invariants.flatMap((i) => i.check(o, Date.now())).map(violationKey).sort()).toEqual(
      ["no_leader:cluster", ...ports.map((p) => `member_down:member:127.0.0.1:${p}`)].sort(),
    );
  });
});
