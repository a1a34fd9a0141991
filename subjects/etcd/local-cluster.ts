// The local etcd cluster as recorded in the state dir: its members (names, ports, data dirs), how
// one member is started (the same argv every time, so a restart keeps its data), and who it is now.
import { join } from "node:path";
import { findProcess, loadDeployment, withProcess, type DeploymentRecord, type ProcessRecord } from "../../lib/cluster/deployment.ts";
import { unreachableError, usageError } from "../../lib/cli/errors.ts";
import { isSameProcess } from "../../lib/process/identity.ts";
import { logTail, spawnDetached, stopProcess } from "../../lib/process/supervisor.ts";
import { waitFor } from "../../lib/process/wait.ts";
import { createEtcdClient } from "./client.ts";

export const SUBJECT = "etcd";
export const MEMBER_ROLE = "member";

export interface LocalMember {
  /** `etcd-1`, `etcd-2`, …: the member's etcd name and its resource `member:<name>`. */
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  logFile: string;
}

/** The deployment record's `details` for etcd (plain JSON). */
export interface EtcdClusterDetails {
  members: LocalMember[];
  /** `--initial-cluster-token`: unique per `cluster up`, so two clusters never join each other. */
  token: string;
  /** Absolute path of the etcd executable found at `cluster up`. */
  etcdBinary: string;
  /** null: etcd's own default (2 GiB). */
  quotaBytes: number | null;
  heartbeatMs: number;
  electionMs: number;
}

export const detailsOf = (record: DeploymentRecord) => record.details as unknown as EtcdClusterDetails;

export function memberOf(record: DeploymentRecord, name: string): LocalMember {
  const member = detailsOf(record).members.find((m) => m.name === name);
  if (!member) throw usageError("unknown_member", `no member "${name}" in this etcd cluster: use one of ${detailsOf(record).members.map((m) => m.name).join(", ")}`);
  return member;
}

export function processOf(record: DeploymentRecord, name: string): ProcessRecord {
  const process = findProcess(record, name);
  if (!process) throw usageError("unknown_member", `member ${name} has no recorded process: operator cluster status`);
  return process;
}

/** The argv that starts `member`: identical on every restart (etcd ignores the initial-* flags once it has data). */
export function memberArgv(details: EtcdClusterDetails, member: LocalMember): string[] {
  const initialCluster = details.members.map((m) => `${m.name}=${m.peerUrl}`).join(",");
  return [
    details.etcdBinary,
    "--name", member.name,
    "--data-dir", member.dataDir,
    "--listen-client-urls", member.clientUrl,
    "--advertise-client-urls", member.clientUrl,
    "--listen-peer-urls", member.peerUrl,
    "--initial-advertise-peer-urls", member.peerUrl,
    "--initial-cluster", initialCluster,
    "--initial-cluster-state", "new",
    "--initial-cluster-token", details.token,
    "--heartbeat-interval", String(details.heartbeatMs),
    "--election-timeout", String(details.electionMs),
    ...(details.quotaBytes ? ["--quota-backend-bytes", String(details.quotaBytes)] : []),
  ];
}

const client = createEtcdClient({ timeoutMs: 1_000 });

/** True when the member answers its maintenance status (with or without a leader). */
export const memberAnswers = (member: LocalMember) => client.status(member.clientUrl).then(() => true, () => false);

/**
 * Starts one member detached, logging to its file, and waits until it answers on its client URL.
 * The environment is empty on purpose: etcd reads ETCD_* variables, and the user's must not reshape it.
 */
export async function startMember(details: EtcdClusterDetails, member: LocalMember, run: { owner: string; signal: AbortSignal }, timeoutMs = 30_000): Promise<ProcessRecord> {
  const { signal } = run;
  const identity = spawnDetached({ argv: memberArgv(details, member), logFile: member.logFile, env: {}, owner: run.owner });
  const process: ProcessRecord = { ...identity, name: member.name, role: MEMBER_ROLE, logFile: member.logFile, port: Number(new URL(member.clientUrl).port), url: member.clientUrl };
  const up = await waitFor(async () => (!isSameProcess(identity) ? "exited" : (await memberAnswers(member)) ? "answers" : undefined), { timeoutMs, intervalMs: 100, signal });
  if (up !== "answers") {
    await stopProcess(identity, { graceMs: 1_000 });
    const why = up === "exited" ? "exited" : signal.aborted ? "was interrupted" : `did not answer within ${timeoutMs} ms`;
    throw unreachableError("member_start_failed", `etcd member ${member.name} ${why}: ${logTail(member.logFile, 3)}`);
  }
  return process;
}

/** Stops a member if it still runs (also when paused), starts it again with its data; the record with its new pid. */
export async function restartMember(record: DeploymentRecord, name: string, signal: AbortSignal): Promise<DeploymentRecord> {
  const member = memberOf(record, name);
  await stopProcess(processOf(record, name), { graceMs: 3_000 });
  return withProcess(record, await startMember(detailsOf(record), member, { owner: record.stateDir, signal }));
}

/** The etcd cluster recorded in `stateDir`, or undefined when none (or another subject's). */
export function loadLocalEtcd(stateDir: string): DeploymentRecord | undefined {
  const record = loadDeployment(stateDir);
  return record?.subject === SUBJECT ? record : undefined;
}

export const memberPaths = (dir: string, name: string) => ({ dataDir: join(dir, name, "data"), logFile: join(dir, "logs", `${name}.log`) });
