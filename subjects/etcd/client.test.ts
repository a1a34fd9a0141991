// The gateway client against a real 3-member etcd: exact ids, base64 values, typed failures.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { startEtcdCluster, type EtcdCluster } from "../../test/fixtures/etcd.ts";
import { createEtcdClient, EtcdRequestError, GRPC_OUT_OF_RANGE } from "./client.ts";

// Real etcd processes on a shared 2-core machine: starting a cluster or an election can take seconds.
setDefaultTimeout(60_000);

let etcd: EtcdCluster;
const client = createEtcdClient({ timeoutMs: 1_000 });

beforeAll(async () => {
  etcd = await startEtcdCluster({ members: 3, quotaBackendBytes: 32 * 1024 * 1024 });
});
afterAll(() => etcd?.stopAll());

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => null, (e: unknown) => e);
  if (!(error instanceof EtcdRequestError)) throw new Error(`expected an EtcdRequestError, got ${error}`);
  return { kind: error.kind, status: error.status, grpcCode: error.grpcCode };
};

describe("etcd gateway client", () => {
  test("member ids above 2^53 stay exact: they match etcdctl's hex ids digit for digit", async () => {
    const { members } = await client.memberList(etcd.endpoints[0]!);
    const table = Bun.spawnSync(["etcdctl", "--endpoints", etcd.endpoints[0]!, "member", "list"]).stdout.toString();
    const fromEtcdctl = Object.fromEntries(table.trim().split("\n").map((line) => line.split(", ")).map(([hex, , name]) => [name, BigInt(`0x${hex}`).toString()]));
    expect(Object.fromEntries(members.map((m) => [m.name, m.id]))).toEqual(fromEtcdctl);
    expect(members.some((m) => BigInt(m.id) > 2n ** 53n)).toBe(true);
    const status = await client.status(etcd.member("etcd-2").clientUrl);
    expect(status.memberId).toBe(fromEtcdctl["etcd-2"]!);
  });

  test("status says who leads, the raft indexes and the backend size, from each member", async () => {
    const statuses = await Promise.all(etcd.endpoints.map((e) => client.status(e)));
    const ids = new Set((await client.memberList(etcd.endpoints[0]!)).members.map((m) => m.id));
    expect(new Set(statuses.map((s) => s.leaderId)).size).toBe(1);
    expect(ids.has(statuses[0]!.leaderId!)).toBe(true);
    for (const s of statuses) {
      expect(s).toMatchObject({ version: "3.4.23", errors: [] });
      expect(BigInt(s.raftIndex) >= BigInt(s.raftAppliedIndex)).toBe(true);
      expect(s.dbSizeBytes).toBeGreaterThan(0);
    }
  });

  test("values go through base64 both ways, unicode included", async () => {
    const key = `/client-test/${crypto.randomUUID()}`;
    const revision = await client.put(etcd.endpoints[1]!, key, "grüße ✓");
    expect(await client.get(etcd.endpoints[2]!, key)).toEqual({ value: "grüße ✓", revision });
    expect((await client.get(etcd.endpoints[0]!, `${key}-absent`)).value).toBeNull();
  });

  test("metrics carry the configured quota and the version", async () => {
    expect(await client.metrics(etcd.endpoints[0]!)).toMatchObject({ hasLeader: true, quotaBackendBytes: 32 * 1024 * 1024, serverVersion: "3.4.23" });
  });

  test("a refused request is typed: gRPC code and HTTP status kept", async () => {
    expect(await failure(client.compact(etcd.endpoints[0]!, "999999"))).toEqual({ kind: "rejected", status: 400, grpcCode: GRPC_OUT_OF_RANGE });
  });

  test("nothing listening is `refused`; a paused member is `timeout` after the deadline", async () => {
    // Port 1 (tcpmux) on a loopback address: no test binds a port below 1024 (bind(0) never hands
    // one out), so no parallel test's server can take it, as happened to a freed ephemeral port.
    expect(await failure(client.status("http://127.66.0.1:1"))).toEqual({ kind: "refused", status: undefined, grpcCode: undefined });
    etcd.pause("etcd-3");
    try {
      expect(await failure(createEtcdClient({ timeoutMs: 300 }).status(etcd.member("etcd-3").clientUrl))).toEqual({ kind: "timeout", status: undefined, grpcCode: undefined });
    } finally {
      etcd.resume("etcd-3");
    }
  });
});
