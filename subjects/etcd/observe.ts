// One observation of an etcd cluster, asked of every member in parallel. A member that does not
// answer is recorded as such (that is what the invariants read), never thrown.
import { unreachableError } from "../../lib/cli/errors.ts";
import { EtcdRequestError, type Alarm, type EtcdClient, type MemberEntry, type MemberStatus } from "./client.ts";
import type { EtcdMetrics } from "./metrics.ts";
import type { RecentChanges } from "./recent-changes.ts";

export interface MemberError {
  kind: EtcdRequestError["kind"] | "not_started";
  message: string;
}

export interface MemberObservation {
  /** uint64 as a decimal string; null when only an endpoint is known. */
  id: string | null;
  /** The resource is `member:<name>`. */
  name: string;
  clientUrl: string | null;
  isLearner: boolean;
  reachable: boolean;
  error: MemberError | null;
  status: MemberStatus | null;
  metrics: EtcdMetrics | null;
  /** Why /metrics could not be read from a member that answered its status (quota, counters unknown). */
  metricsError: string | null;
}

export interface AlarmObservation extends Alarm {
  memberName: string;
}

export interface EtcdObservation {
  at: number;
  clusterId: string | null;
  /** Who told us the membership: an endpoint URL, or `last_known` (nobody answers now; the members are all down). */
  membershipSource: string;
  members: MemberObservation[];
  /** From the alarm API and from each member's status errors (which answer even without quorum). */
  alarms: AlarmObservation[];
  /** Leader changes and failed proposals over the recent past; zero counts on a first observation. */
  recent: RecentChanges;
  /** The members are this operator's local deployment, so restart_member can act on them. */
  localDeployment: boolean;
}

/** What observe remembers between calls: the last membership that somebody told it. */
export interface MembershipMemory {
  members: MemberEntry[] | null;
  clusterId: string | null;
}

const ALARM_IN_STATUS = /memberID:(\d+) alarm:(\w+)/;

const memberName = (m: Pick<MemberEntry, "id" | "name">) => m.name || `id-${m.id}`;

function toMemberError(error: unknown): MemberError {
  if (error instanceof EtcdRequestError) return { kind: error.kind, message: error.message };
  throw error;
}

async function firstAnswer<T>(endpoints: string[], ask: (endpoint: string) => Promise<T>): Promise<{ endpoint: string; value: T } | null> {
  try {
    return await Promise.any(endpoints.map(async (endpoint) => ({ endpoint, value: await ask(endpoint) })));
  } catch {
    return null;
  }
}

async function observeMember(client: EtcdClient, entry: MemberEntry, signal: AbortSignal): Promise<MemberObservation> {
  const base = { id: entry.id === "0" ? null : entry.id, name: memberName(entry), clientUrl: entry.clientUrls[0] ?? null, isLearner: entry.isLearner };
  if (!base.clientUrl) {
    return { ...base, reachable: false, error: { kind: "not_started", message: `member ${base.name} was added but never started` }, status: null, metrics: null, metricsError: null };
  }
  const [status, metrics] = await Promise.allSettled([client.status(base.clientUrl, signal), client.metrics(base.clientUrl, signal)]);
  if (status.status === "rejected") {
    return { ...base, reachable: false, error: toMemberError(status.reason), status: null, metrics: null, metricsError: null };
  }
  return {
    ...base,
    id: status.value.memberId,
    reachable: true,
    error: null,
    status: status.value,
    metrics: metrics.status === "fulfilled" ? metrics.value : null,
    metricsError: metrics.status === "rejected" ? toMemberError(metrics.reason).message : null,
  };
}

function collectAlarms(fromApi: Alarm[] | null, members: MemberObservation[]): AlarmObservation[] {
  const found = new Map<string, Alarm>();
  for (const alarm of fromApi ?? []) found.set(`${alarm.memberId}:${alarm.alarm}`, alarm);
  for (const m of members) {
    for (const text of m.status?.errors ?? []) {
      const match = ALARM_IN_STATUS.exec(text);
      if (match) found.set(`${match[1]}:${match[2]}`, { memberId: match[1]!, alarm: match[2]! });
    }
  }
  const nameOf = (id: string) => members.find((m) => m.id === id)?.name ?? `id-${id}`;
  return [...found.values()].map((a) => ({ ...a, memberName: nameOf(a.memberId) }));
}

/**
 * Asks any endpoint for the membership (the first answer wins), then every member for its status
 * and metrics, and the alarm list, all in parallel: one observation takes at most about two deadlines.
 * Throws an unreachable error only when no endpoint answered and no membership was ever known.
 */
export async function observeCluster(
  client: EtcdClient,
  endpoints: string[],
  memory: MembershipMemory,
  signal: AbortSignal,
  now: () => number = Date.now,
): Promise<Omit<EtcdObservation, "recent" | "localDeployment">> {
  const listed = await firstAnswer(endpoints, (endpoint) => client.memberList(endpoint, signal));
  if (signal.aborted) throw signal.reason;
  let entries: MemberEntry[];
  let membershipSource: string;
  if (listed) {
    entries = listed.value.members;
    membershipSource = listed.endpoint;
    memory.members = entries;
    memory.clusterId = listed.value.clusterId;
  } else if (memory.members) {
    entries = memory.members;
    membershipSource = "last_known";
  } else {
    // Never told the membership and nobody answers: there is no cluster to describe, only a target we cannot reach.
    throw unreachableError("etcd_unreachable", `no etcd endpoint answers (${endpoints.join(", ")}): check --endpoints (env OPERATOR_ETCD_ENDPOINTS) and that the members run`);
  }
  const alarmEndpoints = listed ? [listed.endpoint] : [];
  const [members, fromApi] = await Promise.all([
    Promise.all(entries.map((entry) => observeMember(client, entry, signal))),
    firstAnswer(alarmEndpoints, (endpoint) => client.alarms(endpoint, signal)),
  ]);
  if (signal.aborted) throw signal.reason;
  members.sort((a, b) => a.name.localeCompare(b.name));
  return {
    at: now(),
    clusterId: memory.clusterId,
    membershipSource,
    members,
    alarms: collectAlarms(fromApi?.value ?? null, members),
  };
}

/** The member the answering members name as leader (the most named, if they disagree), or null. */
export function leaderOf(o: Pick<EtcdObservation, "members">): MemberObservation | null {
  const votes = new Map<string, number>();
  for (const m of o.members) {
    const leader = m.reachable ? m.status?.leaderId : null;
    if (leader) votes.set(leader, (votes.get(leader) ?? 0) + 1);
  }
  const [id] = [...votes.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
  return id ? (o.members.find((m) => m.id === id) ?? null) : null;
}

export const findMember = (o: Pick<EtcdObservation, "members">, name: string) => o.members.find((m) => m.name === name) ?? null;

/** What could not be read although the member answered (garbage, an unreadable /metrics): error events, not violations. */
export function observationErrors(o: EtcdObservation): string[] {
  return o.members.flatMap((m) => [
    ...(m.error?.kind === "malformed" ? [`member ${m.name}: ${m.error.message}`] : []),
    ...(m.metricsError ? [`member ${m.name}: metrics unreadable: ${m.metricsError}`] : []),
  ]);
}
