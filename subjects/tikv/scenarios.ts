// Fault → expected tickets → expected diagnosis → remedy, as plain data for the demo and eval
// runners, in this subject's detail (`tikvScenarios`) and in the shared shape of lib/scenario/scenario.ts
// (`scenarios`). Stores are named as containers (`tikv1`); `{tikv1}` in a string stands for the id
// PD gave that store, which only the running cluster knows: `bindScenario` fills it in.
import type { Scenario } from "../../lib/scenario/scenario.ts";

export interface ScenarioFault {
  /** A fault the TiKV chaos (docker) and the test stand-in both play: `store_stop` = `docker stop`. */
  name: string;
  params: Record<string, unknown>;
}

export interface TikvScenario {
  name: string;
  description: string;
  /** The smallest cluster that shows the remedy working (a spare store to move replicas to). */
  topology: { stores: number };
  /** Prometheus must scrape the stores for this one to be seen. */
  needsPrometheus: boolean;
  fault: ScenarioFault;
  expect: {
    /** Invariants whose tickets open (others may open too, and be explained). */
    invariants: string[];
    resources: string[];
    /** The root cause a diagnosis should name, and its fault class (rules.ts FAULT_CLASSES). */
    component: string;
    faultClass: string;
  };
  /**
   * The action that mitigates it through PD, and the invariants it clears while the fault lasts
   * (reverting the fault clears the rest); null when only reverting the fault helps.
   */
  remedy: { action: string; params: Record<string, unknown>; clears: string[] } | null;
}

export const tikvScenarios: TikvScenario[] = [
  {
    name: "store-down",
    description: "A TiKV process stops: PD marks its store Down, its replicas are lost and its leaders move.",
    topology: { stores: 3 },
    needsPrometheus: false,
    fault: { name: "store-stop", params: { store: "tikv1" } },
    expect: { invariants: ["store_down", "region_down_peer"], resources: ["store:{tikv1}"], component: "store:{tikv1}", faultClass: "process_down" },
    // On a cluster the operator did not start, the rules recommend remove_store instead (a spare store takes the replicas).
    remedy: { action: "restart_store", params: { store_id: "{tikv1}" }, clears: ["store_down", "region_down_peer", "leader_imbalance"] },
  },
  {
    name: "store-disconnected",
    description: "A TiKV process hangs (docker pause): PD hears no heartbeat and marks the store Disconnected.",
    topology: { stores: 3 },
    needsPrometheus: false,
    fault: { name: "store-pause", params: { store: "tikv2" } },
    expect: { invariants: ["store_disconnected"], resources: ["store:{tikv2}"], component: "store:{tikv2}", faultClass: "process_down" },
    remedy: { action: "evict_leaders", params: { store_id: "{tikv2}" }, clears: ["leader_imbalance"] },
  },
  {
    name: "store-low-space",
    description: "A store's disk fills up to 90%: PD stops placing regions there.",
    topology: { stores: 4 },
    needsPrometheus: false,
    fault: { name: "store-disk-fill", params: { store: "tikv3", available_ratio: 0.1 } },
    expect: { invariants: ["store_low_space"], resources: ["store:{tikv3}"], component: "store:{tikv3}", faultClass: "disk_full" },
    remedy: { action: "set_store_weight", params: { store_id: "{tikv3}", leader_weight: 1, region_weight: 0.5 }, clears: ["store_low_space"] },
  },
  {
    name: "leader-skew",
    description: "balance-leader-scheduler is paused and every leader sits on one store.",
    topology: { stores: 3 },
    needsPrometheus: false,
    fault: { name: "leader-skew", params: { store: "tikv1" } },
    expect: { invariants: ["leader_imbalance"], resources: ["cluster"], component: "pd", faultClass: "scheduling_disabled" },
    remedy: { action: "resume_scheduler", params: { name: "balance-leader-scheduler" }, clears: ["leader_imbalance"] },
  },
  {
    name: "pd-member-down",
    description: "One of three PD members stops: the cluster keeps a leader, but a member is unhealthy.",
    topology: { stores: 3 },
    needsPrometheus: false,
    fault: { name: "pd-stop", params: { member: "pd2" } },
    expect: { invariants: ["pd_unhealthy"], resources: ["pd"], component: "pd", faultClass: "pd_unavailable" },
    remedy: null,
  },
  {
    name: "pd-quorum-loss",
    description: "Two of three PD members stop: PD has no leader, nothing is scheduled.",
    topology: { stores: 3 },
    needsPrometheus: false,
    fault: { name: "pd-quorum-loss", params: {} },
    expect: { invariants: ["pd_unhealthy"], resources: ["pd"], component: "pd", faultClass: "pd_unavailable" },
    remedy: null,
  },
  {
    name: "slow-store",
    description: "One store's disk turns slow: its gRPC p99 passes 1 s and its raftstore saturates.",
    topology: { stores: 3 },
    needsPrometheus: true,
    fault: { name: "store-slow", params: { store: "tikv2" } },
    expect: { invariants: ["high_grpc_latency", "raftstore_busy"], resources: ["store:{tikv2}"], component: "store:{tikv2}", faultClass: "slow_store" },
    remedy: { action: "evict_leaders", params: { store_id: "{tikv2}" }, clears: ["high_grpc_latency", "raftstore_busy"] },
  },
  {
    name: "write-stall",
    description: "RocksDB on one store stalls writes (compaction cannot keep up).",
    topology: { stores: 3 },
    needsPrometheus: true,
    fault: { name: "store-write-stall", params: { store: "tikv3" } },
    expect: { invariants: ["store_write_stall"], resources: ["store:{tikv3}"], component: "store:{tikv3}", faultClass: "slow_store" },
    remedy: null,
  },
];

/** How long PD takes to call a stopped store Down in deploy/tikv (max-store-down-time 2m), plus grace. */
const STORE_DOWN_DEADLINE_MS = 180_000;
const DEADLINE_MS = 90_000;
const FAULT_DURATION_MS = 300_000;

/** TiKV stores in deploy/tikv's compose stack, which `cluster up --subject tikv` runs. */
export const COMPOSE_STORES = 3;

/**
 * The shared shape, for the compose stack: detections are every expected invariant on every
 * expected resource; the remedy is kept only where it alone clears every invariant while the fault
 * still holds (the eval's test) on that stack — a remedy that needs a spare store is left out.
 */
export function toScenario(t: TikvScenario): Scenario {
  const clearsAll = t.remedy !== null && t.expect.invariants.every((i) => t.remedy!.clears.includes(i)) && t.topology.stores <= COMPOSE_STORES;
  return {
    name: t.name,
    subject: "tikv",
    title: t.description.split(":")[0]!,
    narration: t.description,
    faults: [{ fault: t.fault.name, params: Object.fromEntries(Object.entries(t.fault.params).map(([k, v]) => [k, String(v)])), durationMs: FAULT_DURATION_MS }],
    expect: {
      detections: t.expect.invariants.flatMap((invariant) => t.expect.resources.map((resource) => ({ invariant, resource }))),
      deadlineMs: t.expect.invariants.includes("store_down") ? STORE_DOWN_DEADLINE_MS : DEADLINE_MS,
      components: [t.expect.component],
      faultClass: t.expect.faultClass,
    },
    ...(clearsAll ? { remedy: [{ action: t.remedy!.action, params: t.remedy!.params }] } : {}),
  };
}

export const scenarios: Scenario[] = tikvScenarios.map(toScenario);

/** The scenario (either shape) with `{tikvN}` replaced by the store ids of the running cluster (by address host). */
export function bindScenario<S extends { name: string }>(scenario: S, stores: { id: string; address: string }[]): S {
  const idOf = (name: string) => {
    const store = stores.find((s) => s.address.split(":")[0] === name);
    if (!store) throw new Error(`scenario ${scenario.name} names ${name}, but no store has that address (${stores.map((s) => s.address).join(", ")})`);
    return store.id;
  };
  const bind = (value: unknown): unknown => {
    if (typeof value === "string") return value.replace(/\{(tikv\d+)\}/g, (_, name: string) => idOf(name));
    if (Array.isArray(value)) return value.map(bind);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bind(v)]));
    return value;
  };
  return bind(scenario) as S;
}
