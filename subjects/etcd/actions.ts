// What the operator may do to an etcd cluster (actions, gated by risk) and read from it (tools).
import * as v from "valibot";
import type { ActionDefinition, ActionResult } from "../../lib/subject/subject.ts";
import { findMember, leaderOf, type EtcdObservation } from "./observe.ts";
import { compact, defragment, disarmAlarm, type RemedyContext } from "./space-remedy.ts";

/** What only a local deployment can do: start a member's process again. */
export interface MemberControl {
  restartMember(name: string, signal: AbortSignal): Promise<void>;
}

export interface ActionContext extends RemedyContext {
  /** null when the cluster was given by --endpoints: nothing here can start its processes. */
  members: MemberControl | null;
}

/** How long an action waits to see its effect from outside (a new leader, a member answering). */
const VERIFY_TIMEOUT_MS = 10_000;

const MemberName = v.pipe(v.string(), v.nonEmpty("names a member, e.g. etcd-2"));
const Revision = v.pipe(v.string(), v.regex(/^[1-9]\d*$/, "is a revision: a positive integer as a string"));

export const ACTION = {
  compact: "compact",
  defragment: "defragment",
  disarmAlarm: "disarm_alarm",
  moveLeader: "move_leader",
  restartMember: "restart_member",
  memberStatus: "member_status",
  listAlarms: "list_alarms",
  endpointHealth: "endpoint_health",
} as const;

export const actionDefinitions: ActionDefinition[] = [
  {
    name: ACTION.compact,
    kind: "action",
    risk: "medium",
    description:
      "Compact the keyspace history up to a revision (default: the current one, so only each key's latest value is kept). " +
      "Frees pages inside every member's backend; watchers and reads of older revisions fail afterwards. Does not shrink the files: defragment does.",
    params: v.object({ revision: v.optional(Revision) }),
  },
  {
    name: ACTION.defragment,
    kind: "action",
    risk: "medium",
    description:
      "Rewrite a member's backend file to return freed pages to the disk. The member serves nothing while it runs, so members are done one at a time " +
      "(the named one, or every answering member in turn, the leader last). Run after compact.",
    params: v.object({ member: v.optional(MemberName) }),
  },
  {
    name: ACTION.disarmAlarm,
    kind: "action",
    risk: "medium",
    description:
      "Disarm the NOSPACE alarm so the cluster accepts writes again. Refused unless every member's backend is back under the quota threshold " +
      "(compact and defragment first). CORRUPT is never disarmed here: that member needs a person.",
    params: v.object({ alarm: v.optional(v.picklist(["NOSPACE"]), "NOSPACE") }),
  },
  {
    name: ACTION.moveLeader,
    kind: "action",
    risk: "medium",
    description: "Transfer Raft leadership to the named member (e.g. off a member about to be restarted or on a slow disk). Writes pause for one election.",
    params: v.object({ to: MemberName }),
  },
  {
    name: ACTION.restartMember,
    kind: "action",
    risk: "high",
    description:
      "Restart a member's process with its data (local deployment only): brings back a crashed or hung member. Restarting members that are up costs quorum margin.",
    params: v.object({ member: MemberName }),
  },
  {
    name: ACTION.memberStatus,
    kind: "tool",
    risk: "low",
    description: "Each member's status: reachable, leader it knows, raft term and indexes, backend size and quota, version, errors.",
    params: v.object({ member: v.optional(MemberName) }),
  },
  { name: ACTION.listAlarms, kind: "tool", risk: "low", description: "The raised alarms (NOSPACE, CORRUPT) and the members that raised them.", params: v.object({}) },
  { name: ACTION.endpointHealth, kind: "tool", risk: "low", description: "etcd's own /health verdict from each member: false with no leader or an alarm raised.", params: v.object({}) },
];

const failed = (message: string, retryable: boolean): ActionResult => ({ ok: false, message, retryable });

/** Verification from outside: observes until `holds` or the deadline, and returns the last observation. */
async function observeUntil(ctx: ActionContext, holds: (o: EtcdObservation) => boolean, timeoutMs: number, signal: AbortSignal): Promise<EtcdObservation> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const o = await ctx.observe(signal);
    if (holds(o) || Date.now() >= deadline) return o;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function moveLeader(ctx: ActionContext, params: { to: string }, signal: AbortSignal): Promise<ActionResult> {
  const before = await ctx.observe(signal);
  const target = findMember(before, params.to);
  if (!target?.id) return failed(`no member named ${params.to}: members are ${before.members.map((m) => m.name).join(", ")}`, false);
  const leader = leaderOf(before);
  if (!leader?.clientUrl) return failed("the cluster has no leader to move", true);
  if (leader.id === target.id) return { ok: true, retryable: false, message: `${target.name} already leads`, data: { leader: target.name } };
  if (!target.reachable) return failed(`member ${target.name} does not answer: it cannot lead`, true);
  try {
    await ctx.client.moveLeader(leader.clientUrl, target.id, signal);
  } catch (error) {
    return failed(`moving the leader from ${leader.name} to ${target.name} failed: ${error instanceof Error ? error.message : error}`, true);
  }
  const after = leaderOf(await observeUntil(ctx, (o) => leaderOf(o)?.id === target.id, VERIFY_TIMEOUT_MS, signal));
  if (after?.id !== target.id) return failed(`leadership was handed over but ${after?.name ?? "no member"} leads now`, true);
  return { ok: true, retryable: false, message: `${target.name} leads now (was ${leader.name})`, data: { from: leader.name, to: target.name } };
}

async function restartMember(ctx: ActionContext, params: { member: string }, signal: AbortSignal): Promise<ActionResult> {
  if (!ctx.members) {
    return failed("restart_member works only on the local deployment (operator cluster up --subject etcd); restart this member with its own service manager", false);
  }
  const before = await ctx.observe(signal);
  if (!findMember(before, params.member)) return failed(`no member named ${params.member}: members are ${before.members.map((m) => m.name).join(", ")}`, false);
  try {
    await ctx.members.restartMember(params.member, signal);
  } catch (error) {
    return failed(`restarting ${params.member} failed: ${error instanceof Error ? error.message : error}`, true);
  }
  const after = findMember(await observeUntil(ctx, (o) => findMember(o, params.member)?.reachable === true, VERIFY_TIMEOUT_MS, signal), params.member);
  if (!after?.reachable) return failed(`${params.member} was restarted but does not answer yet: ${after?.error?.message ?? ""}`, true);
  return { ok: true, retryable: false, message: `${params.member} restarted and answers`, data: { member: params.member } };
}

async function memberStatus(ctx: ActionContext, params: { member?: string }, signal: AbortSignal): Promise<ActionResult> {
  const o = await ctx.observe(signal);
  const members = o.members
    .filter((m) => !params.member || m.name === params.member)
    .map((m) => ({
      name: m.name, id: m.id, client_url: m.clientUrl, reachable: m.reachable, error: m.error?.message ?? null,
      leader_id: m.status?.leaderId ?? null, is_leader: m.id !== null && m.status?.leaderId === m.id,
      raft_term: m.status?.raftTerm ?? null, raft_index: m.status?.raftIndex ?? null, raft_applied_index: m.status?.raftAppliedIndex ?? null,
      db_size_bytes: m.status?.dbSizeBytes ?? null, db_size_in_use_bytes: m.status?.dbSizeInUseBytes ?? null,
      quota_backend_bytes: m.metrics?.quotaBackendBytes ?? null, version: m.status?.version ?? null, errors: m.status?.errors ?? [],
    }));
  if (params.member && members.length === 0) return failed(`no member named ${params.member}`, false);
  return { ok: true, retryable: false, message: members.map((m) => `${m.name}: ${m.reachable ? (m.is_leader ? "leader" : "up") : "down"}`).join(", "), data: { members } };
}

async function listAlarms(ctx: ActionContext, signal: AbortSignal): Promise<ActionResult> {
  const { alarms } = await ctx.observe(signal);
  const data = { alarms: alarms.map((a) => ({ alarm: a.alarm, member: a.memberName, member_id: a.memberId })) };
  return { ok: true, retryable: false, message: alarms.length ? alarms.map((a) => `${a.alarm} on ${a.memberName}`).join(", ") : "no alarm raised", data };
}

async function endpointHealth(ctx: ActionContext, signal: AbortSignal): Promise<ActionResult> {
  const o = await ctx.observe(signal);
  const health = await Promise.all(
    o.members.map(async (m) => {
      if (!m.clientUrl) return [m.name, { healthy: false, error: "no client URL" }] as const;
      return [m.name, await ctx.client.health(m.clientUrl, signal).then((healthy) => ({ healthy, error: null }), (e: Error) => ({ healthy: false, error: e.message }))] as const;
    }),
  );
  return { ok: true, retryable: false, message: health.map(([name, h]) => `${name}: ${h.healthy ? "healthy" : "unhealthy"}`).join(", "), data: { members: Object.fromEntries(health) } };
}

/** Runs one action or tool by name; params are checked against its schema here too. */
export async function executeAction(ctx: ActionContext, name: string, params: unknown, signal: AbortSignal): Promise<ActionResult> {
  const definition = actionDefinitions.find((d) => d.name === name);
  if (!definition) return failed(`unknown etcd action "${name}": use one of ${actionDefinitions.map((d) => d.name).join(", ")}`, false);
  const parsed = v.safeParse(definition.params, params ?? {});
  if (!parsed.success) {
    const issue = parsed.issues[0];
    return failed(`${name}: ${v.getDotPath(issue) ?? "params"} ${issue.message}`, false);
  }
  const p = parsed.output as Record<string, any>;
  switch (name) {
    case ACTION.compact: return compact(ctx, p, signal);
    case ACTION.defragment: return defragment(ctx, p, signal);
    case ACTION.disarmAlarm: return disarmAlarm(ctx, p as { alarm: "NOSPACE" }, signal);
    case ACTION.moveLeader: return moveLeader(ctx, p as { to: string }, signal);
    case ACTION.restartMember: return restartMember(ctx, p as { member: string }, signal);
    case ACTION.memberStatus: return memberStatus(ctx, p, signal);
    case ACTION.listAlarms: return listAlarms(ctx, signal);
    default: return endpointHealth(ctx, signal);
  }
}
