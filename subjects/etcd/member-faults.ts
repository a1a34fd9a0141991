// Faults of etcd member processes in the local cluster: one killed or paused, whoever leads
// killed, a majority killed. Reverts bring the same members back with their data.
import type { FaultContext, FaultDefinition, FaultRecord } from "../../lib/chaos/fault.ts";
import { List, Switch, Text } from "../../lib/cli/config.ts";
import type { ProcessRecord } from "../../lib/cluster/deployment.ts";
import { unreachableError, usageError } from "../../lib/cli/errors.ts";
import { isSameProcess, isStopped } from "../../lib/process/identity.ts";
import { killProcess, signal } from "../../lib/process/supervisor.ts";
import { createEtcdClient } from "./client.ts";
import { quorumOf } from "./invariants.ts";
import { detailsOf, memberAnswers, memberOf, processOf, type LocalMember } from "./local-cluster.ts";

const client = createEtcdClient({ timeoutMs: 1_000 });

const memberSelector = {
  member: { schema: Text, help: "the member to hit, by name (etcd-1, etcd-2, …)" },
  random: { schema: Switch, boolean: true, help: "hit a running member chosen at random" },
} as const;

const identityOf = (p: ProcessRecord) => ({ name: p.name, pid: p.pid, start_time: p.startTime, port: p.port });
const running = (ctx: FaultContext) => detailsOf(ctx.deployment).members.filter((m) => isSameProcess(processOf(ctx.deployment, m.name)));

function mustRun(ctx: FaultContext, member: LocalMember): ProcessRecord {
  const process = processOf(ctx.deployment, member.name);
  if (!isSameProcess(process)) throw unreachableError("member_down", `member ${member.name} is not running (pid ${process.pid} is gone): operator cluster restart-node ${member.name}`);
  return process;
}

function selectMember(ctx: FaultContext, params: Record<string, unknown>): LocalMember {
  if (typeof params.member === "string" && params.member !== "") return memberOf(ctx.deployment, params.member);
  if (params.random === true) {
    const up = running(ctx);
    if (up.length === 0) throw unreachableError("no_member_running", "no member of this etcd cluster is running: operator cluster status shows why");
    return up[Math.floor(Math.random() * up.length)]!;
  }
  throw usageError("no_target", `pick a member: --member NAME (one of ${detailsOf(ctx.deployment).members.map((m) => m.name).join(", ")}) or --random`);
}

/** Names recorded in the revert plan; each member as recorded now (a restart may have given it a new pid). */
const plannedMembers = (fault: FaultRecord) => (fault.revertPlan.members as string[]);

async function bringBack(ctx: FaultContext, names: string[]): Promise<void> {
  for (const name of names) {
    const process = processOf(ctx.deployment, name);
    if (isSameProcess(process) && isStopped(process)) signal(process, "SIGCONT");
    else if (!isSameProcess(process) || !(await memberAnswers(memberOf(ctx.deployment, name)))) await ctx.restartPart(name);
  }
}

async function allBack(ctx: FaultContext, names: string[]): Promise<boolean> {
  for (const name of names) {
    const process = processOf(ctx.deployment, name);
    if (!isSameProcess(process) || isStopped(process) || !(await memberAnswers(memberOf(ctx.deployment, name)))) return false;
  }
  return true;
}

const killFault = (name: string, description: string, targets: string, options: FaultDefinition["options"], choose: (ctx: FaultContext, params: Record<string, unknown>) => Promise<LocalMember[]>, resource: (members: LocalMember[]) => string): FaultDefinition => ({
  name,
  description,
  targets,
  options,
  async plan(ctx, params) {
    const members = await choose(ctx, params);
    const processes = members.map((m) => mustRun(ctx, m));
    return {
      target: { resource: resource(members), identity: { members: processes.map(identityOf) } },
      revert: { members: members.map((m) => m.name) },
      summary: `SIGKILL ${members.map((m, i) => `${m.name} (pid ${processes[i]!.pid})`).join(", ")}; restart with the same data when the lease ends`,
    };
  },
  async inject(ctx, fault) {
    await Promise.all(plannedMembers(fault).map((n) => killProcess(processOf(ctx.deployment, n), "etcd")));
  },
  revert: (ctx, fault) => bringBack(ctx, plannedMembers(fault)),
  isReverted: (ctx, fault) => allBack(ctx, plannedMembers(fault)),
});

export const memberKill = killFault(
  "member-kill", "kills one etcd member with SIGKILL (a crash); restarted with its data when the lease ends",
  "one member: --member NAME or --random", memberSelector,
  async (ctx, params) => [selectMember(ctx, params)],
  (members) => `member:${members[0]!.name}`,
);

/** The member the running members name as leader, asked now. */
async function currentLeader(ctx: FaultContext): Promise<LocalMember> {
  const statuses = await Promise.all(running(ctx).map((m) => client.status(m.clientUrl).then((s) => ({ m, s }), () => undefined)));
  const answered = statuses.filter((x) => x !== undefined);
  const leaderId = answered.find((x) => x.s.leaderId)?.s.leaderId;
  const leader = answered.find((x) => x.s.memberId === leaderId)?.m;
  if (!leader) throw unreachableError("no_leader", "no running member names a leader: there is no leader to kill (operator cluster status)");
  return leader;
}

export const leaderKill = killFault(
  "leader-kill", "kills whichever member leads at that moment with SIGKILL; the rest elect a new leader; restarted when the lease ends",
  "the current leader (asked when the fault is planned)", {},
  async (ctx) => [await currentLeader(ctx)],
  (members) => `member:${members[0]!.name}`,
);

export const quorumLoss = killFault(
  "quorum-loss", "kills a majority of the members with SIGKILL: no leader, no writes until they are back (restarted when the lease ends)",
  "a majority: --members a,b (default: the highest-numbered members, so etcd-1 survives)",
  { members: { schema: List, help: "the members to kill, comma-separated; must be a majority" } },
  async (ctx, params) => {
    const all = detailsOf(ctx.deployment).members;
    const quorum = quorumOf(all.length);
    const given = params.members as string[] | undefined;
    const chosen = given?.length ? given.map((n) => memberOf(ctx.deployment, n)) : all.slice(all.length - quorum);
    if (new Set(chosen).size < quorum) throw usageError("not_a_majority", `--members names ${new Set(chosen).size} of ${all.length}: losing quorum needs at least ${quorum}`);
    return [...new Set(chosen)];
  },
  () => "cluster",
);

export const memberPause: FaultDefinition = {
  name: "member-pause",
  description: "freezes one etcd member with SIGSTOP: it holds its ports and answers nothing; SIGCONT on revert",
  targets: "one member: --member NAME or --random",
  options: memberSelector,
  async plan(ctx, params) {
    const member = selectMember(ctx, params);
    const process = mustRun(ctx, member);
    return { target: { resource: `member:${member.name}`, identity: { members: [identityOf(process)] } }, revert: { members: [member.name] }, summary: `SIGSTOP ${member.name} (pid ${process.pid})` };
  },
  async inject(ctx, fault) {
    signal(processOf(ctx.deployment, plannedMembers(fault)[0]!), "SIGSTOP");
  },
  revert: (ctx, fault) => bringBack(ctx, plannedMembers(fault)),
  isReverted: (ctx, fault) => allBack(ctx, plannedMembers(fault)),
};
