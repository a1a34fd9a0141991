import { expect, test } from "bun:test";
import { parseEtcdMetrics } from "./metrics.ts";

const TEXT = `# HELP etcd_server_has_leader Whether or not a leader exists. 1 is existence, 0 is not.
# TYPE etcd_server_has_leader gauge
etcd_server_has_leader 1
etcd_server_is_leader 0
etcd_server_leader_changes_seen_total 3
etcd_server_proposals_failed_total 12
etcd_server_proposals_pending 0
etcd_server_quota_backend_bytes 1.6777216e+07
etcd_mvcc_db_total_size_in_bytes 24576
etcd_mvcc_db_total_size_in_use_in_bytes 16384
etcd_server_version{server_version="3.4.23"} 1
etcd_cluster_version{cluster_version="3.4"} 1
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 0
`;

test("the etcd series the subject reads are parsed from Prometheus text, others ignored", () => {
  expect(parseEtcdMetrics(TEXT)).toEqual({
    hasLeader: true,
    isLeader: false,
    leaderChangesSeenTotal: 3,
    proposalsFailedTotal: 12,
    proposalsPending: 0,
    dbTotalSizeBytes: 24576,
    quotaBackendBytes: 16_777_216,
    serverVersion: "3.4.23",
    clusterVersion: "3.4",
  });
});

test("a series the member does not export is null, not zero", () => {
  expect(parseEtcdMetrics("etcd_server_has_leader 0\n")).toMatchObject({ hasLeader: false, leaderChangesSeenTotal: null, quotaBackendBytes: null, serverVersion: null });
});
