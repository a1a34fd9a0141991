// Leadership on a real 3-member etcd: a failover is one leader change (not flapping); leadership
// moved around repeatedly is leader_flapping; move_leader verifies who leads afterwards.
import { expect, setDefaultTimeout, test } from "bun:test";
import { watchedEtcd } from "../../test/fixtures/etcd-watch.ts";
import { pollUntil } from "../../test/fixtures/poll.ts";
import { leaderOf } from "./observe.ts";

// Real etcd processes on a shared 2-core machine: starting a cluster or an election can take seconds.
setDefaultTimeout(60_000);

const signal = new AbortController().signal;
// Proposals in flight during an election fail: a true, short-lived consequence (its window is shorter than its grace).
const rig = watchedEtcd({ members: 3 }, { etcdTimeout: 500 }, ["proposals_failing"]);

async function look() {
  const seen = await rig.look();
  return { ...seen, leader: leaderOf(seen.observation)?.name ?? null };
}

test("killing the leader is one failover: member_down on it, a new leader, no flapping", async () => {
  const before = await pollUntil(look, (l) => l.leader !== null && l.keys.length === 0, { what: "a leader" });
  const victim = before.leader!;
  await rig.etcd.kill(victim);
  const after = await pollUntil(look, (l) => l.leader !== null && l.leader !== victim && l.keys.length === 1, { what: "a new leader" });
  expect(after.keys).toEqual([`member_down:member:${victim}`]);
  expect(after.observation.recent.leaderChanges.total).toBe(1);
  await rig.etcd.restart(victim);
  await pollUntil(look, (l) => l.keys.length === 0, { what: `${victim} back` });
});

test("move_leader hands leadership over and verifies it; moved around three times it is leader_flapping", async () => {
  const { leader, observation } = await look();
  const others = observation.members.map((m) => m.name).filter((name) => name !== leader);
  const moved = await rig.subject.execute("move_leader", { to: others[0] }, signal);
  expect(moved).toEqual({ ok: true, retryable: false, message: `${others[0]} leads now (was ${leader})`, data: { from: leader, to: others[0] } });
  expect((await look()).leader).toBe(others[0]!);
  expect(await rig.subject.execute("move_leader", { to: others[0] }, signal)).toMatchObject({ ok: true, message: `${others[0]} already leads` });

  for (const to of [others[1], leader]) {
    expect(await rig.subject.execute("move_leader", { to }, signal)).toMatchObject({ ok: true });
    await look();
  }
  const flapping = await pollUntil(look, (l) => l.keys.includes("leader_flapping:cluster"), { what: "leader_flapping" });
  expect(flapping.keys).toEqual(["leader_flapping:cluster"]);
  expect(flapping.hypotheses.map((h) => [h.component, h.faultClass])).toEqual([["cluster", "leader_instability"]]);
});
