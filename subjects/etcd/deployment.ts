// `operator cluster up --subject etcd`: N real etcd members on free loopback ports, data and logs
// in the state dir, started detached through the core's process supervision.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { defineOptions, NonEmptyText, PositiveDuration, PositiveInt, type ResolvedOptions } from "../../lib/cli/config.ts";
import type { DeploymentContext, DeploymentDefinition, DeploymentRecord, PartStatus, ProcessRecord } from "../../lib/cluster/deployment.ts";
import { unreachableError, usageError } from "../../lib/cli/errors.ts";
import { isSameProcess, isStopped } from "../../lib/process/identity.ts";
import { stopProcess } from "../../lib/process/supervisor.ts";
import { freePort, waitFor } from "../../lib/process/wait.ts";
import { ByteSize, formatSize } from "./byte-size.ts";
import { createEtcdClient } from "./client.ts";
import { detailsOf, memberOf, memberPaths, processOf, restartMember, startMember, SUBJECT, type EtcdClusterDetails, type LocalMember } from "./local-cluster.ts";

const MAX_MEMBERS = 7;

export const clusterOptions = defineOptions({
  members: { env: "OPERATOR_ETCD_MEMBERS", default: "3", schema: PositiveInt, help: `etcd members to start, named etcd-1, etcd-2, … (odd counts tolerate the most failures; at most ${MAX_MEMBERS})` },
  quota: { env: "OPERATOR_ETCD_QUOTA", schema: ByteSize, help: "every member's --quota-backend-bytes, e.g. 16MiB (default: etcd's own, 2 GiB); fill-quota needs 256MiB or less" },
  heartbeat: { env: "OPERATOR_ETCD_HEARTBEAT", default: "100ms", schema: PositiveDuration, help: "raft heartbeat interval" },
  electionTimeout: { env: "OPERATOR_ETCD_ELECTION_TIMEOUT", default: "1s", schema: PositiveDuration, help: "raft election timeout (at least 5 heartbeats)" },
  etcdBinary: { env: "OPERATOR_ETCD_BINARY", default: "etcd", schema: NonEmptyText, help: "the etcd executable (Debian: apt-get install etcd-server)" },
});

type ClusterOptions = ResolvedOptions<typeof clusterOptions>;

const client = createEtcdClient({ timeoutMs: 1_000 });

function checkOptions(o: ClusterOptions): string {
  if (o.members > MAX_MEMBERS) throw usageError("too_many_members", `--members ${o.members} is more than ${MAX_MEMBERS}: start fewer members`);
  if (o.electionTimeout < 5 * o.heartbeat) {
    throw usageError("invalid_option", `--election-timeout ${o.electionTimeout}ms is under 5 heartbeats of ${o.heartbeat}ms: etcd refuses it; raise it or lower --heartbeat`);
  }
  const binary = Bun.which(o.etcdBinary);
  if (!binary) throw usageError("etcd_missing", `etcd not found ("${o.etcdBinary}"): install it (make deps, or apt-get install etcd-server) or pass --etcd-binary PATH (env OPERATOR_ETCD_BINARY)`);
  return binary;
}

const everyMemberHealthy = async (members: LocalMember[]) => (await Promise.all(members.map((m) => client.health(m.clientUrl).catch(() => false)))).every(Boolean);

async function up(ctx: DeploymentContext, raw: Record<string, unknown>): Promise<DeploymentRecord> {
  const o = raw as ClusterOptions;
  const etcdBinary = checkOptions(o);
  const members: LocalMember[] = Array.from({ length: o.members }, (_, i) => {
    const name = `etcd-${i + 1}`;
    return { name, clientUrl: `http://127.0.0.1:${freePort()}`, peerUrl: `http://127.0.0.1:${freePort()}`, ...memberPaths(ctx.dir, name) };
  });
  const details: EtcdClusterDetails = {
    members,
    token: `operator-${randomBytes(6).toString("hex")}`,
    etcdBinary,
    quotaBytes: o.quota ?? null,
    heartbeatMs: o.heartbeat,
    electionMs: o.electionTimeout,
  };
  ctx.note(`starting ${o.members} etcd member${o.members === 1 ? "" : "s"} (${members.map((m) => `${m.name} ${m.clientUrl}`).join(", ")})${o.quota ? `, quota ${formatSize(o.quota)}` : ""}`);
  const started: ProcessRecord[] = [];
  try {
    for (const m of members) mkdirSync(m.dataDir, { recursive: true, mode: 0o700 });
    // All at once: a member waits for its peers before the cluster can elect a leader.
    const results = await Promise.allSettled(members.map((m) => startMember(details, m, { owner: ctx.stateDir, signal: ctx.signal })));
    for (const r of results) if (r.status === "fulfilled") started.push(r.value);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    if (!(await waitFor(() => everyMemberHealthy(members), { timeoutMs: 30_000, intervalMs: 200, signal: ctx.signal }))) {
      throw unreachableError("cluster_unhealthy", `the etcd members started but did not all report healthy within 30 s: see the logs in ${ctx.dir}/logs`);
    }
    return { subject: SUBJECT, createdAt: new Date().toISOString(), stateDir: ctx.stateDir, endpoints: members.map((m) => m.clientUrl), processes: started, details: details as unknown as Record<string, unknown> };
  } catch (error) {
    // Nothing half-started: stop what did start and forget its files.
    await Promise.all(started.map((p) => stopProcess(p, { graceMs: 2_000 })));
    rmSync(ctx.dir, { recursive: true, force: true });
    throw error;
  }
}

async function memberStatus(record: DeploymentRecord, p: ProcessRecord): Promise<PartStatus> {
  const base = { name: p.name, role: p.role, pid: p.pid, ...(p.url ? { url: p.url } : {}) };
  if (!isSameProcess(p)) return { ...base, alive: false, healthy: false, detail: "not running" };
  if (isStopped(p)) return { ...base, alive: true, healthy: false, detail: "paused (SIGSTOP)" };
  const member = memberOf(record, p.name);
  const [status, healthy] = await Promise.all([client.status(member.clientUrl).catch(() => undefined), client.health(member.clientUrl).catch(() => false)]);
  if (!status) return { ...base, alive: true, healthy: false, detail: "does not answer its maintenance status" };
  const role = status.leaderId === null ? "no leader" : status.leaderId === status.memberId ? "leader" : "follower";
  const size = `db ${formatSize(status.dbSizeBytes)}${detailsOf(record).quotaBytes ? ` of ${formatSize(detailsOf(record).quotaBytes!)}` : ""}`;
  return { ...base, alive: true, healthy, detail: [role, size, ...status.errors.map((e) => e.trim())].join(", ") };
}

async function status(_ctx: DeploymentContext, record: DeploymentRecord): Promise<PartStatus[]> {
  return Promise.all(record.processes.map((p) => memberStatus(record, p)));
}

function describe(record: DeploymentRecord): Record<string, unknown> {
  const details = detailsOf(record);
  return {
    subject: record.subject,
    state_dir: record.stateDir,
    created_at: record.createdAt,
    endpoints: record.endpoints,
    quota_bytes: details.quotaBytes,
    heartbeat_ms: details.heartbeatMs,
    election_timeout_ms: details.electionMs,
    members: details.members.map((m) => ({ name: m.name, client_url: m.clientUrl, peer_url: m.peerUrl, pid: processOf(record, m.name).pid, data_dir: m.dataDir, log_file: m.logFile })),
  };
}

export const deployment: DeploymentDefinition = {
  description: "N etcd members (a real Raft cluster) on free loopback ports, data in the state dir",
  options: clusterOptions,
  up,
  status,
  restartableParts: (record) => detailsOf(record).members.map((m) => m.name),
  restart: (ctx, record, part) => restartMember(record, part, ctx.signal),
  describe,
};
