// Faults of one node's link to Redis, through that node's link proxy: added latency (with
// jitter), and a partition (the link blackholes its bytes). The other nodes are not touched.
import type { FaultContext, FaultDefinition, FaultRecord } from "../../../lib/chaos/fault.ts";
import { Duration } from "../../../lib/cli/config.ts";
import { readLink, updateLink } from "../../../lib/link-proxy/control.ts";
import { nodePart, readAdminToken } from "../cluster-record.ts";
import { redisAnswers } from "../redis-admin.ts";
import { identityOf, linkOf, nodeSelector, selectNode } from "./targets.ts";

const linkFor = (ctx: FaultContext, fault: FaultRecord) => linkOf(ctx, nodePart(ctx.deployment, String(fault.revertPlan.node)));
const token = (ctx: FaultContext) => readAdminToken(ctx.deployment);

function planLink(ctx: FaultContext, params: Record<string, unknown>) {
  const { node, process } = selectNode(ctx, params);
  const link = linkOf(ctx, node);
  return { node, link, identity: { ...identityOf(process), link_port: link.port } };
}

export const redisLatency: FaultDefinition = {
  name: "redis-latency",
  description: "adds latency (± jitter) to one node's link to Redis, each way, through its link proxy",
  targets: "one node's link: --node ID or --random",
  options: {
    ...nodeSelector,
    latency: { default: "100ms", schema: Duration, help: "added one-way delay per chunk, each direction" },
    jitter: { default: "0", schema: Duration, help: "each chunk's delay varies within ± this" },
  },
  async plan(ctx, params) {
    const { node, link, identity } = planLink(ctx, params);
    return {
      target: { resource: `node:${node.id}`, identity },
      revert: { node: node.id, latency_ms: params.latency, jitter_ms: params.jitter },
      summary: `node ${node.id}'s link to Redis (port ${link.port}) adds ${params.latency} ms ± ${params.jitter} ms each way`,
    };
  },
  async inject(ctx, fault) {
    await updateLink(linkFor(ctx, fault).controlUrl, token(ctx), { latency_ms: Number(fault.revertPlan.latency_ms), jitter_ms: Number(fault.revertPlan.jitter_ms) });
  },
  async revert(ctx, fault) {
    await updateLink(linkFor(ctx, fault).controlUrl, token(ctx), { latency_ms: 0, jitter_ms: 0 });
  },
  async isReverted(ctx, fault) {
    const link = linkFor(ctx, fault);
    const status = await readLink(link.controlUrl, token(ctx));
    return status.latency_ms === 0 && status.jitter_ms === 0;
  },
};

export const partition: FaultDefinition = {
  name: "partition",
  description: "cuts one node's link to Redis: its bytes vanish (no reset), as in a network partition; healed on revert",
  targets: "one node's link: --node ID or --random",
  options: { ...nodeSelector },
  async plan(ctx, params) {
    const { node, link, identity } = planLink(ctx, params);
    return { target: { resource: `node:${node.id}`, identity }, revert: { node: node.id }, summary: `cut node ${node.id}'s link to Redis (port ${link.port})` };
  },
  async inject(ctx, fault) {
    await updateLink(linkFor(ctx, fault).controlUrl, token(ctx), { cut: true });
  },
  async revert(ctx, fault) {
    await updateLink(linkFor(ctx, fault).controlUrl, token(ctx), { cut: false });
  },
  async isReverted(ctx, fault) {
    const link = linkFor(ctx, fault);
    const status = await readLink(link.controlUrl, token(ctx));
    // Healed, and a PING through the link comes back: the link passes traffic again.
    return !status.cut && redisAnswers(link.port);
  },
};
