// Faults of one node process: killed (restarted after a while), paused, drained.
import type { FaultContext, FaultDefinition, FaultRecord } from "../../../lib/chaos/fault.ts";
import { PositiveDuration } from "../../../lib/cli/config.ts";
import { httpError, unreachableError } from "../../../lib/cli/errors.ts";
import { fetchJson, fetchText } from "../../../lib/http/bounded-fetch.ts";
import { isSameProcess, isStopped } from "../../../lib/process/identity.ts";
import { killProcess, signal } from "../../../lib/process/supervisor.ts";
import { answersHttp } from "../../../lib/process/wait.ts";
import { nodePart, processOf, readAdminToken } from "../cluster-record.ts";
import { PATH } from "../wire.ts";
import { identityOf, nodeSelector, selectNode } from "./targets.ts";

/** The node recorded now (a restart may have given it a new pid since the fault was planned). */
const currentNode = (ctx: FaultContext, fault: FaultRecord) => {
  const node = nodePart(ctx.deployment, String(fault.revertPlan.node));
  return { node, process: processOf(ctx.deployment, node.name) };
};

/** True when the node answers HTTP at all (any status: Redis may be down for other reasons). */
const nodeAnswers = (url: string) => answersHttp(`${url}${PATH.health}`, { timeoutMs: 1000, isReady: () => true });

export const nodeKill: FaultDefinition = {
  name: "node-kill",
  description: "kills a node with SIGKILL; it is restarted on the same port when the lease ends",
  targets: "one node: --node ID or --random",
  options: { ...nodeSelector, restartAfter: { schema: PositiveDuration, help: "restart the node this long after the kill (default: --duration)" } },
  async plan(ctx, params) {
    const { node, process } = selectNode(ctx, params);
    const restartAfterMs = params.restartAfter as number | undefined;
    return {
      target: { resource: `node:${node.id}`, identity: identityOf(process) },
      revert: { node: node.id },
      summary: `SIGKILL node ${node.id} (pid ${process.pid}); restart it on port ${node.port}${restartAfterMs ? ` after ${restartAfterMs} ms` : " when the lease ends"}`,
      ...(restartAfterMs ? { durationMs: restartAfterMs } : {}),
    };
  },
  async inject(ctx, fault) {
    await killProcess(currentNode(ctx, fault).process, "node");
  },
  async revert(ctx, fault) {
    const { node, process } = currentNode(ctx, fault);
    if (isSameProcess(process) && (await nodeAnswers(node.url))) return;
    await ctx.restartPart(node.id);
  },
  async isReverted(ctx, fault) {
    const { node, process } = currentNode(ctx, fault);
    return isSameProcess(process) && nodeAnswers(node.url);
  },
};

export const nodePause: FaultDefinition = {
  name: "node-pause",
  description: "freezes a node with SIGSTOP (it holds its connections and answers nothing); SIGCONT on revert",
  targets: "one node: --node ID or --random",
  options: { ...nodeSelector },
  async plan(ctx, params) {
    const { node, process } = selectNode(ctx, params);
    return { target: { resource: `node:${node.id}`, identity: identityOf(process) }, revert: { node: node.id, pid: process.pid, start_time: process.startTime }, summary: `SIGSTOP node ${node.id} (pid ${process.pid})` };
  },
  async inject(ctx, fault) {
    signal(currentNode(ctx, fault).process, "SIGSTOP");
  },
  async revert(ctx, fault) {
    const { node, process } = currentNode(ctx, fault);
    if (isSameProcess(process)) {
      signal(process, "SIGCONT");
      return;
    }
    // It died while frozen: the way back is a fresh node.
    await ctx.restartPart(node.id);
  },
  async isReverted(ctx, fault) {
    const { node, process } = currentNode(ctx, fault);
    return isSameProcess(process) && !isStopped(process) && nodeAnswers(node.url);
  },
};

const adminHeaders = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

async function setDrain(ctx: FaultContext, url: string, drain: boolean): Promise<void> {
  const init = { method: "POST", headers: adminHeaders(readAdminToken(ctx.deployment)), body: JSON.stringify({ drain }) };
  const answer = await fetchText(`${url}${PATH.drain}`, init, { timeoutMs: 2000, maxBytes: Number.POSITIVE_INFINITY, acceptStatus: (s) => s >= 200 && s < 300, readRefusedBody: true });
  if (answer.ok) return;
  const { kind, status, text, cause } = answer.failure;
  if (kind === "status") throw httpError(status!, "drain_refused", `node at ${url} refused to ${drain ? "drain" : "resume"}: ${status} ${text}`);
  if (status === undefined) throw unreachableError("node_unreachable", `node at ${url} does not answer: ${(cause as Error).message}`);
  // It answered; only the body broke off: a drain it accepted stands, a refusal's reason is lost.
  if (status < 200 || status >= 300) throw cause;
}

export const nodeDrain: FaultDefinition = {
  name: "node-drain",
  description: "tells a node to drain (503 on checks and /health) through its admin API; resumes on revert",
  targets: "one node: --node ID or --random",
  options: { ...nodeSelector },
  async plan(ctx, params) {
    const { node, process } = selectNode(ctx, params);
    return { target: { resource: `node:${node.id}`, identity: identityOf(process) }, revert: { node: node.id }, summary: `POST ${PATH.drain} {"drain":true} on node ${node.id}` };
  },
  async inject(ctx, fault) {
    await setDrain(ctx, currentNode(ctx, fault).node.url, true);
  },
  async revert(ctx, fault) {
    const { node, process } = currentNode(ctx, fault);
    // A node that restarted since is not draining: nothing to undo.
    if (isSameProcess(process)) await setDrain(ctx, node.url, false);
  },
  async isReverted(ctx, fault) {
    const { node } = currentNode(ctx, fault);
    const info = await fetchJson(`${node.url}${PATH.node}`, {}, { timeoutMs: 1000, maxBytes: Number.POSITIVE_INFINITY });
    return info.ok && (info.body as { draining?: boolean } | null)?.draining === false;
  },
};
