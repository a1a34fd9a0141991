// Faults the stand-in plays, named as the TiKV chaos would name them against docker compose
// (`store_stop` = `docker stop tikv1`): each changes what PD reports, each has its revert.
import { BALANCE_LEADER, type ClusterModel } from "./cluster-model.ts";

export interface Fault {
  name: string;
  params: Record<string, unknown>;
}

export interface FaultEffects {
  /** Stops or starts a PD member's HTTP endpoint (its own port). */
  setMemberUp(name: string, up: boolean): Promise<void>;
  /** Makes a PD member accept requests and never answer (a hung process, SIGSTOP). */
  setMemberHung(name: string, hung: boolean): void;
}

const param = (fault: Fault, key: string): string => {
  const value = fault.params[key];
  if (typeof value !== "string" && typeof value !== "number") throw new Error(`fault ${fault.name} needs params.${key}`);
  return String(value);
};

export const FAULT_NAMES = [
  "store-stop",
  "store-pause",
  "store-disk-fill",
  "pending-peers",
  "leader-skew",
  "pd-stop",
  "pd-quorum-loss",
  "pd-hang",
  "store-slow",
  "store-write-stall",
] as const;

export async function injectFault(model: ClusterModel, effects: FaultEffects, fault: Fault): Promise<void> {
  const now = model.now();
  switch (fault.name) {
    case "store-stop": {
      const store = model.store(param(fault, "store"));
      store.stoppedAtMs = now;
      store.downAfterMs = model.maxStoreDownTimeMs;
      break;
    }
    case "store-pause": {
      const store = model.store(param(fault, "store"));
      store.stoppedAtMs = now;
      store.downAfterMs = Number.POSITIVE_INFINITY;
      break;
    }
    case "store-disk-fill": {
      const store = model.store(param(fault, "store"));
      const ratio = Number(fault.params.available_ratio ?? 0.1);
      store.fillerBytes = 0;
      store.fillerBytes = Math.max(0, model.availableBytes(store) - ratio * store.capacityBytes);
      break;
    }
    case "pending-peers": {
      const store = model.store(param(fault, "store"));
      const count = Number(fault.params.count ?? 20);
      const regions = model.regions.filter((r) => r.peers.some((p) => p.storeId === store.id) && r.leaderStoreId !== store.id);
      for (const region of regions.slice(0, count)) region.pendingStoreIds.add(store.id);
      break;
    }
    case "leader-skew": {
      // As the chaos does it through PD: balance-leader paused, then transfer-leader operators.
      const store = model.store(param(fault, "store"));
      model.paused.set(BALANCE_LEADER, now + 3_600_000);
      for (const region of model.regions) if (region.peers.some((p) => p.storeId === store.id)) region.leaderStoreId = store.id;
      break;
    }
    case "pd-stop":
      await effects.setMemberUp(param(fault, "member"), false);
      break;
    case "pd-quorum-loss":
      for (const member of model.members.slice(1)) await effects.setMemberUp(member.name, false);
      break;
    case "pd-hang":
      effects.setMemberHung(param(fault, "member"), true);
      break;
    case "store-slow":
      model.store(param(fault, "store")).slow = true;
      break;
    case "store-write-stall":
      model.store(param(fault, "store")).writeStall = true;
      break;
    default:
      throw new Error(`the stand-in cannot play fault "${fault.name}": use one of ${FAULT_NAMES.join(", ")}`);
  }
  model.settle();
}

export async function revertFault(model: ClusterModel, effects: FaultEffects, fault: Fault): Promise<void> {
  switch (fault.name) {
    case "store-stop":
    case "store-pause": {
      const store = model.store(param(fault, "store"));
      store.stoppedAtMs = null;
      store.startedAtMs = model.now();
      break;
    }
    case "store-disk-fill":
      model.store(param(fault, "store")).fillerBytes = 0;
      break;
    case "pending-peers": {
      const store = model.store(param(fault, "store"));
      for (const region of model.regions) region.pendingStoreIds.delete(store.id);
      break;
    }
    case "leader-skew":
      model.paused.delete(BALANCE_LEADER);
      break;
    case "pd-stop":
      await effects.setMemberUp(param(fault, "member"), true);
      break;
    case "pd-quorum-loss":
      for (const member of model.members.slice(1)) await effects.setMemberUp(member.name, true);
      break;
    case "pd-hang":
      effects.setMemberHung(param(fault, "member"), false);
      break;
    case "store-slow":
      model.store(param(fault, "store")).slow = false;
      break;
    case "store-write-stall":
      model.store(param(fault, "store")).writeStall = false;
      break;
    default:
      throw new Error(`the stand-in cannot revert fault "${fault.name}"`);
  }
  model.settle();
}
