// A real NOSPACE: fill a small quota, see db_quota and alarm_active, then compact → defragment →
// disarm through the subject's actions, each verified, and writes succeed again.
import { expect, setDefaultTimeout, test } from "bun:test";
import { watchedEtcd } from "../../test/fixtures/etcd-watch.ts";
import { pollUntil } from "../../test/fixtures/poll.ts";
import { createEtcdClient, isNoSpace } from "./client.ts";
import { fillUntilNoSpace } from "./fill-quota.ts";

// Real etcd processes on a shared 2-core machine: starting a cluster or an election can take seconds.
setDefaultTimeout(60_000);

const QUOTA_BYTES = 8 * 1024 * 1024;
const client = createEtcdClient({ timeoutMs: 5_000 });
const signal = new AbortController().signal;
const rig = watchedEtcd({ members: 3, quotaBackendBytes: QUOTA_BYTES });
const { look } = rig;

const write = (key: string) => client.put(rig.etcd.endpoints[1]!, key, "after").then(() => "written", (e) => (isNoSpace(e) ? "NOSPACE" : `failed: ${e}`));

test("a filled quota raises db_quota and NOSPACE; compact → defragment → disarm brings writes back", async () => {
  const filled = await fillUntilNoSpace(client, rig.etcd.endpoints[0]!, {}, signal);
  expect(filled.reachedNoSpace).toBe(true);

  const full = await pollUntil(look, (l) => l.keys.length === 2, { what: "db_quota and alarm_active" });
  expect(full.keys).toEqual(["alarm_active:cluster", "db_quota:cluster"]);
  expect(full.violations.find((v) => v.invariant === "alarm_active")?.evidence.alarm).toBe("NOSPACE");
  expect(await write("/quota-test/before")).toBe("NOSPACE");

  expect(full.hypotheses.map((h) => ({ component: h.component, faultClass: h.faultClass, explains: h.explains.toSorted(), actions: h.actions.map((a) => a.name) }))).toEqual([
    { component: "cluster", faultClass: "quota_exhausted", explains: ["alarm_active:cluster", "db_quota:cluster"], actions: ["compact", "defragment", "disarm_alarm"] },
  ]);

  const early = await rig.subject.execute("disarm_alarm", {}, signal);
  expect(early).toMatchObject({ ok: false, retryable: false });
  expect(early.message).toStartWith("refusing to disarm NOSPACE:");

  const compacted = await rig.subject.execute("compact", {}, signal);
  expect(compacted).toMatchObject({ ok: true });
  // Compaction frees pages inside the files but the quota counts the files: still refused.
  expect(await rig.subject.execute("disarm_alarm", {}, signal)).toMatchObject({ ok: false, retryable: false });

  const defragmented = await rig.subject.execute("defragment", {}, signal);
  expect(defragmented).toMatchObject({ ok: true });
  const sizes = (defragmented.data as { defragmented: Record<string, { before_bytes: number; after_bytes: number }> }).defragmented;
  expect(Object.keys(sizes).sort()).toEqual(["etcd-1", "etcd-2", "etcd-3"]);
  for (const { before_bytes, after_bytes } of Object.values(sizes)) expect(after_bytes).toBeLessThan(before_bytes / 4);

  expect(await rig.subject.execute("disarm_alarm", {}, signal)).toMatchObject({ ok: true });
  expect(await write("/quota-test/after")).toBe("written");
  expect(await client.get(rig.etcd.endpoints[2]!, "/quota-test/after")).toMatchObject({ value: "after" });
  await pollUntil(look, (l) => l.keys.length === 0, { what: "a clean cluster" });
  expect(await rig.subject.execute("endpoint_health", {}, signal)).toMatchObject({ ok: true, message: "etcd-1: healthy, etcd-2: healthy, etcd-3: healthy" });
});

test("actions refuse bad params and unknown names as results, not exceptions", async () => {
  expect(await rig.subject.execute("compact", { revision: "-3" }, signal)).toEqual({ ok: false, retryable: false, message: "compact: revision is a revision: a positive integer as a string" });
  expect(await rig.subject.execute("defragment", { member: "etcd-9" }, signal)).toMatchObject({ ok: false, retryable: false, message: "no member named etcd-9: members are etcd-1, etcd-2, etcd-3" });
  expect(await rig.subject.execute("reboot", {}, signal)).toMatchObject({ ok: false, retryable: false });
  expect(await rig.subject.execute("restart_member", { member: "etcd-1" }, signal)).toMatchObject({ ok: false, retryable: false });
});
