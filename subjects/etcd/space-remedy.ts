// Getting backend space back, in etcd's order: compact old revisions, defragment each member
// (one at a time: a member serves nothing while it rewrites its file), then disarm NOSPACE.
import type { ActionResult } from "../../lib/subject/subject.ts";
import { EtcdRequestError, type EtcdClient } from "./client.ts";
import { THRESHOLDS } from "./invariants.ts";
import { findMember, leaderOf, type EtcdObservation, type MemberObservation } from "./observe.ts";

export interface RemedyContext {
  client: EtcdClient;
  observe(signal: AbortSignal): Promise<EtcdObservation>;
}

type Answering = MemberObservation & { clientUrl: string; status: NonNullable<MemberObservation["status"]> };
const answering = (o: EtcdObservation) => o.members.filter((m): m is Answering => m.reachable && m.status !== null && m.clientUrl !== null);
const failed = (message: string, retryable: boolean, data?: unknown): ActionResult => ({ ok: false, message, retryable, ...(data === undefined ? {} : { data }) });
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));
const sizes = (members: Answering[]) => Object.fromEntries(members.map((m) => [m.name, { db_size_bytes: m.status.dbSizeBytes, db_size_in_use_bytes: m.status.dbSizeInUseBytes }]));

/** Compacts the keyspace to `revision` (default: the current one, keeping only each key's latest value). */
export async function compact(ctx: RemedyContext, params: { revision?: string }, signal: AbortSignal): Promise<ActionResult> {
  const before = await ctx.observe(signal);
  const up = answering(before);
  const via = (leaderOf(before) as Answering | null) ?? up[0];
  if (!via) return failed("no member answers: nothing to compact through", true);
  const revision = params.revision ?? via.status.revision;
  try {
    await ctx.client.compact(via.clientUrl, revision, signal);
  } catch (error) {
    const already = error instanceof EtcdRequestError && /has been compacted/.test(error.message);
    if (!already) return failed(`compaction to revision ${revision} failed: ${reason(error)}`, !(error instanceof EtcdRequestError && error.kind === "rejected"));
  }
  // A read just below the revision must now be refused as compacted.
  const verified = revision === "1" || (await ctx.client.isCompacted(via.clientUrl, (BigInt(revision) - 1n).toString(), signal).catch(() => false));
  const after = answering(await ctx.observe(signal));
  const data = { revision, via: via.name, before: sizes(up), after: sizes(after) };
  if (!verified) return failed(`compaction to revision ${revision} was accepted but revision ${BigInt(revision) - 1n} is still readable`, true, data);
  return { ok: true, retryable: false, message: `compacted history up to revision ${revision} (through ${via.name}); run defragment to shrink the files`, data };
}

/** Defragments one member, or every answering member in turn (followers first, the leader last). */
export async function defragment(ctx: RemedyContext, params: { member?: string }, signal: AbortSignal): Promise<ActionResult> {
  const before = await ctx.observe(signal);
  let targets: Answering[];
  let skipped: string[] = [];
  if (params.member) {
    const member = findMember(before, params.member);
    if (!member) return failed(`no member named ${params.member}: members are ${before.members.map((m) => m.name).join(", ")}`, false);
    if (!answering(before).includes(member as Answering)) return failed(`member ${params.member} does not answer: it cannot be defragmented now`, true);
    targets = [member as Answering];
  } else {
    const leaderId = leaderOf(before)?.id;
    targets = answering(before).toSorted((a, b) => Number(a.id === leaderId) - Number(b.id === leaderId));
    skipped = before.members.filter((m) => !targets.includes(m as Answering)).map((m) => m.name);
  }
  const done: Record<string, { before_bytes: number; after_bytes: number }> = {};
  for (const member of targets) {
    try {
      await ctx.client.defragment(member.clientUrl, signal);
      const status = await ctx.client.status(member.clientUrl, signal);
      done[member.name] = { before_bytes: member.status.dbSizeBytes, after_bytes: status.dbSizeBytes };
    } catch (error) {
      return failed(`defragmenting ${member.name} failed: ${reason(error)} (done before it: ${Object.keys(done).join(", ") || "none"})`, true, { defragmented: done });
    }
  }
  const data = { defragmented: done, skipped };
  if (skipped.length > 0) return failed(`defragmented ${Object.keys(done).join(", ") || "no member"}; ${skipped.join(", ")} did not answer and keep their old files`, true, data);
  const summary = Object.entries(done).map(([name, d]) => `${name} ${(d.before_bytes / 1048576).toFixed(1)}→${(d.after_bytes / 1048576).toFixed(1)} MiB`);
  return { ok: true, retryable: false, message: `defragmented one member at a time: ${summary.join(", ")}`, data };
}

/** Disarms NOSPACE, but only once every member's backend is back under the quota threshold. */
export async function disarmAlarm(ctx: RemedyContext, params: { alarm: "NOSPACE" }, signal: AbortSignal): Promise<ActionResult> {
  const before = await ctx.observe(signal);
  const raised = before.alarms.filter((a) => a.alarm === params.alarm);
  if (raised.length === 0) return { ok: true, retryable: false, message: `no ${params.alarm} alarm is raised`, data: { disarmed: [] } };
  const up = answering(before);
  const unknown = before.members.filter((m) => !up.includes(m as Answering)).map((m) => m.name);
  const full = up
    .map((m) => ({ name: m.name, ratio: m.metrics?.quotaBackendBytes ? m.status.dbSizeBytes / m.metrics.quotaBackendBytes : Number.NaN }))
    .filter((m) => !(m.ratio < THRESHOLDS.dbQuotaRatio));
  if (unknown.length > 0 || full.length > 0) {
    const why = [
      ...full.map((m) => (Number.isNaN(m.ratio) ? `${m.name} reports no quota` : `${m.name} still at ${Math.round(m.ratio * 100)}% of its quota`)),
      ...unknown.map((name) => `${name} does not answer`),
    ];
    return failed(
      `refusing to disarm ${params.alarm}: ${why.join("; ")}. Free space first (compact, then defragment every member), or raise --quota-backend-bytes; disarming now would only raise it again`,
      false,
      { sizes: sizes(up) },
    );
  }
  const via = up[0]!;
  try {
    for (const alarm of raised) await ctx.client.disarm(via.clientUrl, alarm, signal);
    const left = (await ctx.client.alarms(via.clientUrl, signal)).filter((a) => a.alarm === params.alarm);
    if (left.length > 0) return failed(`${params.alarm} still raised by member ids ${left.map((a) => a.memberId).join(", ")} after disarming`, true);
  } catch (error) {
    return failed(`disarming ${params.alarm} failed: ${reason(error)}`, true);
  }
  return { ok: true, retryable: false, message: `disarmed ${params.alarm} (raised by ${raised.map((a) => a.memberName).join(", ")}); writes are accepted again`, data: { disarmed: raised.map((a) => ({ member: a.memberName, member_id: a.memberId, alarm: a.alarm })) } };
}
