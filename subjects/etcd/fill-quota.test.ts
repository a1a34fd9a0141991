import { expect, test } from "bun:test";
import type { FaultContext } from "../../lib/chaos/fault.ts";
import type { DeploymentRecord } from "../../lib/cluster/deployment.ts";
import { fillQuota } from "./fill-quota.ts";
import type { EtcdClusterDetails } from "./local-cluster.ts";

const contextWithQuota = (quotaBytes: number | null): FaultContext => {
  const details: EtcdClusterDetails = { members: [], token: "t", etcdBinary: "/usr/bin/etcd", quotaBytes, heartbeatMs: 100, electionMs: 1_000 };
  const deployment: DeploymentRecord = { subject: "etcd", createdAt: "", stateDir: "/nowhere", endpoints: [], processes: [], details: details as unknown as Record<string, unknown> };
  return { stateDir: "/nowhere", deployment, selfCommand: [], restartPart: () => Promise.reject(new Error("not in this test")) };
};

test("fill-quota refuses, before touching anything, a cluster whose quota would take gigabytes to fill", async () => {
  for (const [quota, shown] of [[null, "etcd's default 2 GiB"], [1024 ** 3, "1024 MiB"]] as const) {
    const error = await fillQuota.plan(contextWithQuota(quota), {}).catch((e) => e);
    expect([error.exitCode, error.message]).toEqual([
      2,
      `fill-quota needs a small quota, this cluster has ${shown}: operator cluster down, then operator cluster up --subject etcd --quota 16MiB`,
    ]);
  }
  expect((await fillQuota.plan(contextWithQuota(16 * 1024 ** 2), {})).target).toEqual({ resource: "cluster", identity: { quota_bytes: 16 * 1024 ** 2 } });
});
