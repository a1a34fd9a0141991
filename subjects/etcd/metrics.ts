// The few etcd Prometheus series the subject reads, named once, parsed from the text format.

export const METRIC = {
  hasLeader: "etcd_server_has_leader",
  isLeader: "etcd_server_is_leader",
  leaderChangesSeenTotal: "etcd_server_leader_changes_seen_total",
  proposalsFailedTotal: "etcd_server_proposals_failed_total",
  proposalsPending: "etcd_server_proposals_pending",
  dbTotalSizeBytes: "etcd_mvcc_db_total_size_in_bytes",
  quotaBackendBytes: "etcd_server_quota_backend_bytes",
  serverVersion: "etcd_server_version",
  clusterVersion: "etcd_cluster_version",
} as const;

export interface EtcdMetrics {
  hasLeader: boolean | null;
  isLeader: boolean | null;
  /** Counters since this process started (they reset on restart). */
  leaderChangesSeenTotal: number | null;
  proposalsFailedTotal: number | null;
  proposalsPending: number | null;
  dbTotalSizeBytes: number | null;
  quotaBackendBytes: number | null;
  serverVersion: string | null;
  clusterVersion: string | null;
}

interface Sample {
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Samples of the wanted series only; comments, other series and unparsable lines are skipped. */
export function parsePrometheusText(text: string, wanted: ReadonlySet<string>): Map<string, Sample[]> {
  const samples = new Map<string, Sample[]>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match || !wanted.has(match[1]!)) continue;
    const value = Number(match[4]);
    if (Number.isNaN(value)) continue;
    const labels: Record<string, string> = {};
    for (const [, name, raw] of (match[3] ?? "").matchAll(LABEL)) labels[name!] = raw!.replace(/\\(.)/g, "$1");
    const list = samples.get(match[1]!) ?? [];
    list.push({ labels, value });
    samples.set(match[1]!, list);
  }
  return samples;
}

const WANTED: ReadonlySet<string> = new Set(Object.values(METRIC));

export function parseEtcdMetrics(text: string): EtcdMetrics {
  const samples = parsePrometheusText(text, WANTED);
  const value = (name: string) => samples.get(name)?.[0]?.value ?? null;
  const flag = (name: string) => {
    const v = value(name);
    return v === null ? null : v === 1;
  };
  const label = (name: string, key: string) => samples.get(name)?.find((s) => s.value === 1)?.labels[key] ?? null;
  return {
    hasLeader: flag(METRIC.hasLeader),
    isLeader: flag(METRIC.isLeader),
    leaderChangesSeenTotal: value(METRIC.leaderChangesSeenTotal),
    proposalsFailedTotal: value(METRIC.proposalsFailedTotal),
    proposalsPending: value(METRIC.proposalsPending),
    dbTotalSizeBytes: value(METRIC.dbTotalSizeBytes),
    quotaBackendBytes: value(METRIC.quotaBackendBytes),
    serverVersion: label(METRIC.serverVersion, "server_version"),
    clusterVersion: label(METRIC.clusterVersion, "cluster_version"),
  };
}
