// Built-in diagnosis for TiKV: one root cause per bad store (its down/miss/pending peer regions and
// the leader imbalance that follows are its effects), low space on its store, PD trouble on `pd`.
import type { DiagnosisRule, Hypothesis, RecommendedAction, Violation } from "../../lib/subject/subject.ts";
import { violationKey } from "../../lib/subject/subject.ts";
import { formatGoDuration } from "./go-units.ts";
import type { TikvObservation } from "./observation.ts";
import { storeResource } from "./observation.ts";
import type { PdStore } from "./pd-shapes.ts";

/** The closed list of fault classes this subject diagnoses. */
export const FAULT_CLASSES = ["process_down", "disk_full", "slow_store", "pd_unavailable", "scheduling_disabled", "replica_shortage"] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number];

export const BALANCE_LEADER_SCHEDULER = "balance-leader-scheduler";

type Rule = DiagnosisRule<TikvObservation>;

const keysOf = (violations: Violation[], test: (v: Violation) => boolean) => violations.filter(test).map(violationKey);
const byKey = (violations: Violation[], key: string) => violations.find((v) => violationKey(v) === key);
const describe = (s: PdStore) => `store ${s.id} (${s.address})`;

/** A store PD hears nothing from explains what its absence causes. */
export const storeUnavailable: Rule = {
  name: "store_unavailable",
  description: "A Down or Disconnected store is the root cause of the down, missing and pending peers on it and of the leader imbalance after its leaders moved away.",
  evaluate({ violations, observation, now }) {
    const hypotheses: Hypothesis[] = [];
    for (const store of observation.stores ?? []) {
      if (store.stateName !== "Down" && store.stateName !== "Disconnected") continue;
      const resource = storeResource(store.id);
      const explains = keysOf(
        violations,
        (v) =>
          (v.resource === resource && ["store_down", "store_disconnected", "region_down_peer", "region_miss_peer", "region_pending_peer", "high_grpc_latency"].includes(v.invariant)) ||
          (v.invariant === "leader_imbalance" && v.evidence.min_store_id === store.id) ||
          (v.invariant === "region_miss_peer" && v.resource === "cluster"),
      );
      if (explains.length === 0) continue;
      const down = store.stateName === "Down";
      const age = store.lastHeartbeatMs === null ? "" : `, last heartbeat ${formatGoDuration(Math.max(0, now - store.lastHeartbeatMs))} ago`;
      const evidence = [`${describe(store)} is ${store.stateName}${age}`];
      for (const invariant of ["region_down_peer", "region_miss_peer", "region_pending_peer"]) {
        const v = byKey(violations, `${invariant}:${resource}`);
        if (v) evidence.push(v.message);
      }
      const imbalance = violations.find((v) => v.invariant === "leader_imbalance" && v.evidence.min_store_id === store.id);
      if (imbalance) evidence.push(`its leaders moved to other stores: ${imbalance.message}`);
      // Only actions here: the engine drops recommended tools (they need no approval to be run).
      const local = observation.localCluster?.tikvServices.includes(store.address.split(":")[0]!) === true;
      const actions: RecommendedAction[] = local && down
        ? [{ name: "restart_store", params: { store_id: store.id }, why: `start the TiKV container of ${store.address} again; PD marks the store Up at its first heartbeat` }]
        : down
          ? [{ name: "remove_store", params: { store_id: store.id }, why: `only if ${store.address} is lost for good: PD re-replicates its regions elsewhere; otherwise restart TiKV there` }]
          : [{ name: "evict_leaders", params: { store_id: store.id }, why: "keep leaders off a store PD cannot hear until it is back and stable" }];
      hypotheses.push({
        component: resource,
        faultClass: "process_down",
        summary: down
          ? `${describe(store)} is down (process stopped, host lost, or cut off from PD for longer than max-store-down-time): its replicas are lost and its leaders moved away`
          : `${describe(store)} stopped sending heartbeats (process stopped or hung, or a network partition): its leaders are being re-elected elsewhere`,
        confidence: down ? 0.95 : 0.8,
        evidence,
        explains,
        actions,
      });
    }
    return hypotheses;
  },
};

export const storeOutOfSpace: Rule = {
  name: "store_out_of_space",
  description: "A store under the available-space floor is its own root cause; PD stops placing regions there.",
  evaluate({ violations, observation }) {
    return violations
      .filter((v) => v.invariant === "store_low_space")
      .map((v) => {
        const store = (observation.stores ?? []).find((s) => storeResource(s.id) === v.resource);
        const regionWeight = store ? Math.max(0.1, Number((store.regionWeight / 2).toFixed(2))) : 0.5;
        return {
          component: v.resource,
          faultClass: "disk_full",
          summary: `${v.resource.replace(":", " ")} is running out of disk: ${v.message}`,
          confidence: 0.9,
          evidence: [v.message],
          explains: [violationKey(v), ...keysOf(violations, (w) => w.resource === v.resource && (w.invariant === "store_write_stall" || w.invariant === "region_pending_peer"))],
          actions: [
            {
              name: "set_store_weight",
              params: { store_id: v.resource.slice("store:".length), leader_weight: store?.leaderWeight ?? 1, region_weight: regionWeight },
              why: "a lower region weight makes PD move regions to stores with room; add disk or stores for a lasting fix",
            },
          ],
        };
      });
  },
};

export const slowStore: Rule = {
  name: "slow_store",
  description: "High gRPC latency, a saturated raftstore or write stalls on one serving store: that store is slow.",
  evaluate({ violations, observation }) {
    const slowInvariants = ["high_grpc_latency", "raftstore_busy", "store_write_stall"];
    const resources = [...new Set(violations.filter((v) => slowInvariants.includes(v.invariant)).map((v) => v.resource))];
    return resources
      .filter((resource) => !(observation.stores ?? []).some((s) => storeResource(s.id) === resource && s.stateName !== "Up"))
      .map((resource) => {
        const symptoms = violations.filter((v) => v.resource === resource && slowInvariants.includes(v.invariant));
        const storeId = resource.startsWith("store:") ? resource.slice("store:".length) : null;
        return {
          component: resource,
          faultClass: "slow_store",
          summary: `${resource.replace(":", " ")} is slow (${symptoms.map((v) => v.invariant).join(", ")}): a busy or failing disk, or too much load on one store`,
          confidence: Math.min(0.9, 0.6 + 0.1 * symptoms.length),
          evidence: symptoms.map((v) => v.message),
          explains: keysOf(violations, (v) => v.resource === resource && (slowInvariants.includes(v.invariant) || v.invariant === "region_pending_peer")),
          actions: storeId ? [{ name: "evict_leaders", params: { store_id: storeId }, why: "move the leaders, and so most reads and writes, off the slow store" }] : [],
        };
      });
  },
};

export const pdTrouble: Rule = {
  name: "pd_trouble",
  description: "PD without a leader, with an unhealthy member, or not answering is the root cause on `pd`.",
  evaluate({ violations }) {
    const v = violations.find((x) => x.invariant === "pd_unhealthy");
    if (!v) return [];
    const noLeader = v.evidence.leader === null;
    return [
      {
        component: "pd",
        faultClass: "pd_unavailable",
        summary: noLeader
          ? "PD has no leader (lost quorum or an election in progress): nothing is scheduled and TiKV cannot get timestamps"
          : `a PD member is unhealthy or unreachable: ${v.message}`,
        confidence: noLeader ? 0.9 : 0.8,
        evidence: [v.message],
        explains: [violationKey(v)],
        actions: [],
      },
    ];
  },
};

export const leaderScheduling: Rule = {
  name: "leader_scheduling",
  description: "Leader imbalance with no store down while balance-leader-scheduler is paused or absent: PD is not balancing leaders.",
  evaluate({ violations, observation }) {
    const v = violations.find((x) => x.invariant === "leader_imbalance");
    if (!v || !observation.schedulers) return [];
    if ((observation.stores ?? []).some((s) => s.id === v.evidence.min_store_id && s.stateName !== "Up")) return [];
    const paused = (observation.pausedSchedulers ?? []).includes(BALANCE_LEADER_SCHEDULER);
    const absent = !observation.schedulers.includes(BALANCE_LEADER_SCHEDULER);
    if (!paused && !absent) return [];
    return [
      {
        component: "pd",
        faultClass: "scheduling_disabled",
        summary: paused ? `${BALANCE_LEADER_SCHEDULER} is paused, so PD does not even out leaders` : `${BALANCE_LEADER_SCHEDULER} is not running (removed), so PD does not even out leaders`,
        confidence: 0.85,
        evidence: [v.message, paused ? `${BALANCE_LEADER_SCHEDULER} is paused` : `schedulers running: ${observation.schedulers.join(", ") || "none"}`],
        explains: [violationKey(v)],
        actions: paused ? [{ name: "resume_scheduler", params: { name: BALANCE_LEADER_SCHEDULER }, why: "let PD balance leaders again" }] : [],
      },
    ];
  },
};

export const replicaShortage: Rule = {
  name: "replica_shortage",
  description: "Regions short of replicas with no unavailable store to blame: too few stores for max-replicas, or placement rules that cannot be met.",
  evaluate({ violations, observation }) {
    const v = byKey(violations, "region_miss_peer:cluster");
    if (!v || (observation.stores ?? []).some((s) => s.stateName === "Down" || s.stateName === "Disconnected")) return [];
    return [
      {
        component: "cluster",
        faultClass: "replica_shortage",
        summary: "regions miss replicas and no store is down: check max-replicas against the number of stores, and the placement rules",
        confidence: 0.5,
        evidence: [v.message],
        explains: [violationKey(v)],
        actions: [],
      },
    ];
  },
};

export const rules: Rule[] = [storeUnavailable, storeOutOfSpace, slowStore, pdTrouble, leaderScheduling, replicaShortage];
