// What `operator chaos` breaks in the compose stack of `cluster up --subject tikv`: containers
// stopped or frozen as `docker compose stop|pause` would (store-stop, store-pause, pd-stop,
// pd-quorum-loss), and leaders piled on one store through PD itself (leader-skew).
import type { FaultContext, FaultDefinition, FaultRecord } from "../../lib/chaos/fault.ts";
import { Text } from "../../lib/cli/config.ts";
import { usageError } from "../../lib/cli/errors.ts";
import { compose } from "./compose.ts";
import { detailsOf, pdClientOf, projectOf, storeOfService } from "./deployment.ts";
import { BALANCE_LEADER_SCHEDULER } from "./rules.ts";

/** leader-skew moves at most this many leaders (one admin operator each). */
const LEADER_SKEW_MAX_TRANSFERS = 1_000;

const storeOption = { store: { schema: Text, help: "the TiKV service to hit (tikv1, tikv2, …; default: the last one)" } };
const memberOption = { member: { schema: Text, help: "the PD service to hit (pd1, pd2, …; default: the last one)" } };

function pick(kind: "TiKV" | "PD", services: string[], given: unknown, flag: string): string {
  if (typeof given !== "string" || given === "") return services.at(-1)!;
  if (!services.includes(given)) throw usageError("no_target", `no ${kind} service "${given}" in this cluster: use --${flag} with one of ${services.join(", ")}`);
  return given;
}

/** The store PD knows for a service, as a resource; `service:<name>` while PD cannot say. */
async function storeTarget(ctx: FaultContext, service: string) {
  const stores = await pdClientOf(ctx.deployment).stores().catch(() => null);
  const store = stores ? storeOfService(stores, service) : undefined;
  return { resource: store ? `store:${store.id}` : `service:${service}`, storeId: store?.id ?? null };
}

async function storeIsUp(ctx: FaultContext, fault: FaultRecord): Promise<boolean> {
  const stores = await pdClientOf(ctx.deployment).stores().catch(() => null);
  return stores !== null && storeOfService(stores, String(fault.revertPlan.service))?.stateName === "Up";
}

async function membersHealthy(ctx: FaultContext, names: string[]): Promise<boolean> {
  const health = await pdClientOf(ctx.deployment).health().catch(() => null);
  return health !== null && names.every((n) => health.find((h) => h.name === n)?.health === true);
}

const run = (ctx: FaultContext, args: string[]) => compose(projectOf(ctx.deployment), args, { timeoutMs: 60_000 }).then(() => undefined);

function containerFault(name: string, verb: [string, string], description: string): FaultDefinition {
  return {
    name,
    description,
    targets: "one TiKV: --store tikvN",
    options: storeOption,
    async plan(ctx, params) {
      const service = pick("TiKV", detailsOf(ctx.deployment).tikv_services, params.store, "store");
      const { resource, storeId } = await storeTarget(ctx, service);
      return { target: { resource, identity: { service, store_id: storeId } }, revert: { service }, summary: `docker compose ${verb[0]} ${service}${storeId ? ` (store ${storeId})` : ""}` };
    },
    inject: (ctx, fault) => run(ctx, [verb[0], String(fault.revertPlan.service)]),
    revert: (ctx, fault) => run(ctx, [verb[1], String(fault.revertPlan.service)]),
    isReverted: storeIsUp,
  };
}

export const storeStop = containerFault("store-stop", ["stop", "start"], "stops a TiKV container (PD calls its store Disconnected, then Down); starts it on revert");
export const storePause = containerFault("store-pause", ["pause", "unpause"], "freezes a TiKV container (it holds its connections, answers nothing; PD calls it Disconnected); unpauses on revert");

export const pdStop: FaultDefinition = {
  name: "pd-stop",
  description: "stops one PD container: the others keep quorum, PD reports the member unhealthy; starts it on revert",
  targets: "one PD member: --member pdN",
  options: memberOption,
  async plan(ctx, params) {
    const service = pick("PD", detailsOf(ctx.deployment).pd_services, params.member, "member");
    return { target: { resource: "pd", identity: { service } }, revert: { services: [service] }, summary: `docker compose stop ${service}` };
  },
  inject: (ctx, fault) => run(ctx, ["stop", ...(fault.revertPlan.services as string[])]),
  revert: (ctx, fault) => run(ctx, ["start", ...(fault.revertPlan.services as string[])]),
  isReverted: (ctx, fault) => membersHealthy(ctx, fault.revertPlan.services as string[]),
};

export const pdQuorumLoss: FaultDefinition = {
  name: "pd-quorum-loss",
  description: "stops every PD container but the first: PD loses quorum and its leader; starts them on revert",
  targets: "the PD members",
  options: {},
  async plan(ctx) {
    const services = detailsOf(ctx.deployment).pd_services.slice(1);
    return { target: { resource: "pd", identity: { services } }, revert: { services }, summary: `docker compose stop ${services.join(" ")}` };
  },
  inject: pdStop.inject,
  revert: pdStop.revert,
  isReverted: (ctx, fault) => membersHealthy(ctx, fault.revertPlan.services as string[]),
};

export const leaderSkew: FaultDefinition = {
  name: "leader-skew",
  description: `through PD: pauses ${BALANCE_LEADER_SCHEDULER}, then moves every leader it can to one store with transfer-leader operators (as a rolling restart with balancing paused leaves them); resumes the scheduler on revert`,
  targets: "one TiKV: --store tikvN",
  options: storeOption,
  async plan(ctx, params) {
    const service = pick("TiKV", detailsOf(ctx.deployment).tikv_services, params.store, "store");
    const { resource, storeId } = await storeTarget(ctx, service);
    if (!storeId) throw usageError("no_target", `PD does not know a store for ${service} yet: operator cluster status`);
    return { target: { resource, identity: { service, store_id: storeId } }, revert: { store_id: storeId }, summary: `pause ${BALANCE_LEADER_SCHEDULER}, transfer leaders to store ${storeId}` };
  },
  async inject(ctx, fault) {
    const pd = pdClientOf(ctx.deployment);
    const storeId = String(fault.revertPlan.store_id);
    await pd.pauseScheduler(BALANCE_LEADER_SCHEDULER, Math.ceil((fault.expiresAt - fault.injectedAt) / 1000) + 60);
    const movable = (await pd.regions()).filter((r) => r.leader?.storeId !== storeId && r.peers.some((p) => p.storeId === storeId));
    for (const region of movable.slice(0, LEADER_SKEW_MAX_TRANSFERS)) {
      await pd.createOperator({ name: "transfer-leader", region_id: BigInt(region.id), to_store_id: BigInt(storeId) }).catch(() => undefined);
    }
  },
  async revert(ctx) {
    await pdClientOf(ctx.deployment).pauseScheduler(BALANCE_LEADER_SCHEDULER, 0);
  },
  async isReverted(ctx) {
    const paused = await pdClientOf(ctx.deployment).schedulers("paused").catch(() => null);
    return paused !== null && !paused.includes(BALANCE_LEADER_SCHEDULER);
  },
};

export const faults: FaultDefinition[] = [storeStop, storePause, pdStop, pdQuorumLoss, leaderSkew];
