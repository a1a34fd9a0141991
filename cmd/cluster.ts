// operator cluster: a local deployment of a subject (default ratelimiter) in the state dir.
import { defineCommand, type CommandDef } from "citty";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { clusterRestart, clusterStatus, clusterUp, type ClusterEnv } from "../lib/cluster/cluster.ts";
import { clusterDown } from "../lib/cluster/cluster-down.ts";
import { clusterJson, renderCluster } from "../lib/cluster/cluster-view.ts";
import { loadSubject } from "../lib/subject/registry.ts";
import { subjectNameIn, subjectOption } from "./subject-selection.ts";
import type { RunContext } from "../lib/cli/cli.ts";
import type { OptionTable } from "../lib/cli/config.ts";
import { selfCommand } from "./self-command.ts";

const envOf = (ctx: RunContext<OptionTable>, stateDir: string): ClusterEnv => ({ stateDir, env: ctx.env, selfCommand: selfCommand(), signal: ctx.signal, note: ctx.out.note });

async function upCommand(argv: string[], env: Record<string, string | undefined>): Promise<CommandDef<any>> {
  // --subject decides which flags `up` has, so it is read before the rest is parsed.
  const plugin = await loadSubject(subjectNameIn(argv, env)).catch(() => undefined);
  return defineOperatorCommand({
    name: "cluster up",
    description: "Start the subject's local deployment (detached, recorded in the state dir) and wait until it is healthy.",
    examples: ["operator cluster up", "operator cluster up --nodes 5 --algorithm gcra --fail-policy closed --json", "operator cluster up --redis-shards 3 --state-dir /tmp/c2"],
    options: { ...subjectOption, ...stateDirOption, ...(plugin?.deployment?.options ?? {}) },
    // An unknown --subject is exit 2 before anything starts.
    check: async ({ options }) => void (await loadSubject(String(options.subject))),
    async run(ctx) {
      const { subject, stateDir, json: _json, debug: _debug, ...options } = ctx.options as Record<string, unknown> & { subject: string; stateDir: string };
      const view = await clusterUp(envOf(ctx, stateDir), subject, options);
      const headline = view.alreadyUp ? `already up in ${view.record.stateDir}; nothing changed` : `up in ${view.record.stateDir}`;
      ctx.out.result({ already_up: view.alreadyUp, ...clusterJson(view) }, () => renderCluster(view, `${view.record.subject} cluster ${headline}`));
      return view.healthy ? 0 : 1;
    },
  });
}

const status = defineOperatorCommand({
  name: "cluster status",
  description: "Every part of the local cluster with its health; exit 1 when any part is down.",
  examples: ["operator cluster status", "operator cluster status --json | jq '.parts[] | select(.healthy | not)'"],
  options: { ...stateDirOption },
  async run(ctx) {
    const view = await clusterStatus(envOf(ctx, ctx.options.stateDir));
    if (!view) {
      ctx.out.result({ healthy: false, message: `no cluster in ${ctx.options.stateDir}`, parts: [], faults: [] }, `no cluster in ${ctx.options.stateDir}: start one with operator cluster up`);
      return 1;
    }
    ctx.out.result(clusterJson(view), () => renderCluster(view, `${view.record.subject} cluster in ${view.record.stateDir}: ${view.healthy ? "healthy" : "UNHEALTHY"}`));
    return view.healthy ? 0 : 1;
  },
});

const down = defineOperatorCommand({
  name: "cluster down",
  description:
    "Stop everything the cluster started: the chaos watchdog, every recorded process (by pid, only if still ours), then any process that carries the state dir's mark (fault drivers, detached load, a restart in flight); cancel active faults (nothing is restarted only to be stopped); remove its files. Exit 1 naming any process that survived SIGKILL (its records are kept: run it again).",
  examples: ["operator cluster down", "operator cluster down --state-dir /tmp/c2 --json"],
  options: { ...stateDirOption },
  async run(ctx) {
    const { record, stopped, notStopped } = await clusterDown(envOf(ctx, ctx.options.stateDir));
    const lines = stopped.map((s) => `${s.name} (pid ${s.pid}): ${s.outcome}`);
    const human = lines.join("\n") || (record ? "nothing was running" : `no cluster in ${ctx.options.stateDir}: nothing to stop`);
    ctx.out.result({ stopped, not_stopped: notStopped }, human);
    if (notStopped.length === 0) return 0;
    ctx.out.note(`operator: could not stop ${notStopped.map((s) => `${s.name} (pid ${s.pid})`).join(", ")}: still running after SIGKILL; the cluster's records are kept, run operator cluster down again`);
    return 1;
  },
});

const restartNode = defineOperatorCommand({
  name: "cluster restart-node",
  description: "Stop one part of the cluster (if it runs) and start it again on the same port.",
  examples: ["operator cluster restart-node b", "operator cluster restart-node redis --json"],
  options: { ...stateDirOption },
  positionals: [{ name: "id", help: "the node id (a, b, …) or a redis part (redis, redis-0, …)", required: true }],
  async run(ctx) {
    const view = await clusterRestart(envOf(ctx, ctx.options.stateDir), ctx.positionals.id!);
    ctx.out.result(clusterJson(view), () => renderCluster(view, `restarted ${ctx.positionals.id}`));
    return view.healthy ? 0 : 1;
  },
});

export default function clusterCommand(argv: string[], env: Record<string, string | undefined>): CommandDef<any> {
  return defineCommand({
    meta: { name: "cluster", description: "A local cluster of the subject: up, status, down, restart-node." },
    subCommands: { up: () => upCommand(argv, env), status, down, "restart-node": restartNode },
  });
}
