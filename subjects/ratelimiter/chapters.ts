// The rate limiter's demo: a cluster, load underneath, and one chapter per fault the operator must
// see, explain and (with permission) repair. Each fault chapter is a scenario eval reuses.
import { CONTROL, kindOf, type DemoPlan, type Scenario } from "../../lib/scenario/scenario.ts";

const SUBJECT = "ratelimiter";

/**
 * Small windows and limits so that every effect shows within seconds: 10 checks per 5 s per key,
 * fixed windows (the algorithm whose edge burst chapter 5 exposes). Everything else is the
 * node's defaults (a 50 ms Redis timeout, fail open): what a user runs is what the demo shows.
 */
const deployment = { nodes: "3", algorithm: "fixed-window", defaultLimit: "10", window: "5s", failPolicy: "open" };

const LEASE_MS = 60_000;

const chapters: Scenario[] = [
  {
    name: "cluster-up",
    subject: SUBJECT,
    kind: "setup",
    title: "A cluster under load, and nothing to report",
    narration:
      "Three rate-limiter nodes share one Redis, each behind its own link proxy. Background load sends 30 checks/s over 300 keys, " +
      "well under the limit of 10 per 5 s per key. The operator watches every second: no invariant may break, no ticket may open.",
    faults: [],
    expect: CONTROL,
    quietMs: 8_000,
  },
  {
    name: "node-kill",
    subject: SUBJECT,
    title: "A node is killed",
    narration:
      "Node b gets SIGKILL. Its clients see refused connections. The operator should open node_down on node:b, diagnose a dead " +
      "process and propose restart_node. That is high risk: it waits for a person, who approves it here; the operator restarts b and checks it answers.",
    faults: [{ fault: "node-kill", params: { node: "b" }, durationMs: LEASE_MS }],
    expect: { detections: [{ invariant: "node_down", resource: "node:b" }], deadlineMs: 15_000, components: ["node:b"], faultClass: "process_down" },
    remedy: [{ action: "restart_node", params: { node: "b" } }],
    quietMs: 3_000,
  },
  {
    name: "stale-counter",
    subject: SUBJECT,
    title: "A counter loses its TTL",
    narration:
      "A client checks key stale-key 0.8 times a second, under its limit. Then the key's counter loses its TTL (PERSIST): a fixed window " +
      "that never ends. It fills up and the client is denied for nothing. Expect stale_counter, then over_throttling, and reset_counter (low risk) to fix it.",
    workload: { rate: 0.8, key: "stale-key" },
    faults: [{ fault: "stale-key", params: { key: "stale-key" }, durationMs: LEASE_MS }],
    expect: {
      detections: [{ invariant: "stale_counter", resource: "key:stale-key" }, { invariant: "over_throttling", resource: "key:stale-key" }],
      deadlineMs: 35_000,
      components: ["key:stale-key"],
      faultClass: "stale_counter",
    },
    remedy: [{ action: "reset_counter", params: { key: "stale-key" } }],
    quietMs: 4_000,
  },
  {
    name: "hot-key",
    subject: SUBJECT,
    title: "One key floods the cluster",
    narration:
      "A runaway client sends 150 checks/s for key hot-key, five times all other traffic together. The limiter denies most of them, " +
      "but every check still costs a Redis call. Expect hot_key, and block_key (medium risk) to refuse that client outright.",
    faults: [{ fault: "hot-key", params: { key: "hot-key", rate: "150" }, durationMs: LEASE_MS }],
    expect: { detections: [{ invariant: "hot_key", resource: "key:hot-key" }], deadlineMs: 25_000, components: ["key:hot-key"], faultClass: "hot_key" },
    remedy: [{ action: "block_key", params: { key: "hot-key" } }],
    quietMs: 4_000,
  },
  {
    name: "edge-burst",
    subject: SUBJECT,
    title: "Twice the limit across a window's edge",
    narration:
      "A client sends key edge-burst's whole limit just before its fixed window ends, and again just after: 20 checks pass in half a " +
      "second where 10 per 5 s are allowed. Expect over_admission blamed on the algorithm, and update_limit to a sliding log, under which the burst no longer gets through.",
    faults: [{ fault: "edge-burst", params: { key: "edge-burst" }, durationMs: LEASE_MS }],
    expect: { detections: [{ invariant: "over_admission", resource: "key:edge-burst" }], deadlineMs: 25_000, components: ["key:edge-burst"], faultClass: "algorithm_burst" },
    remedy: [{ action: "update_limit", params: { key: "edge-burst", algorithm: "sliding-log" } }],
    // Two rounds of the burst (it comes every other window): neither may get through again.
    quietMs: 12_000,
  },
  {
    name: "redis-pause",
    subject: SUBJECT,
    title: "Redis stops answering",
    narration:
      "Redis is paused for 12 s (CLIENT PAUSE ALL): connections stay open, nothing answers. The nodes fail open and admit everything, " +
      "so tenant-heavy (8 checks/s against 10 per 5 s) gets through in full. Expect redis_unreachable, node_degraded on every node, over_admission, and a diagnosis naming redis.",
    workload: { rate: 8, key: "tenant-heavy" },
    faults: [{ fault: "redis-pause", params: { mode: "all" }, durationMs: 12_000 }],
    expect: {
      detections: [
        { invariant: "redis_unreachable", resource: "redis" },
        { invariant: "node_degraded", resource: "node:a" },
        { invariant: "node_degraded", resource: "node:b" },
        { invariant: "node_degraded", resource: "node:c" },
        { invariant: "over_admission", resource: "key:tenant-heavy" },
      ],
      deadlineMs: 12_000,
      components: ["redis"],
      faultClass: "process_paused",
      // Checks wait out the 50 ms Redis timeout until each node's breaker opens.
      tolerated: ["high_check_latency:node:a", "high_check_latency:node:b", "high_check_latency:node:c"],
    },
  },
  {
    name: "slow-link",
    subject: SUBJECT,
    title: "A slow link to one node",
    narration:
      "Node c's link to Redis gains 40 ms each way; Redis itself and the other nodes are fine. An 80 ms round trip is past the node's " +
      "50 ms Redis timeout, so node c also falls back by its fail policy (open). Expect redis_latency on node:c and on no other node, and " +
      "one diagnosis naming node c's slow link rather than Redis or a cut (its drain is proposed, and not needed: the link is healed).",
    faults: [{ fault: "redis-latency", params: { node: "c", latency: "40ms" }, durationMs: LEASE_MS }],
    expect: {
      detections: [{ invariant: "redis_latency", resource: "node:c" }],
      deadlineMs: 25_000,
      components: ["node:c"],
      faultClass: "network_latency",
      // The same cause: past its timeout node c decides by its fail policy, and fail-open admits its keys past their limit.
      tolerated: ["high_check_latency:node:c", "node_degraded:node:c", "over_admission:key:*", "counter_drift:key:*"],
    },
  },
  {
    name: "kill-switch",
    subject: SUBJECT,
    title: "The kill switch",
    narration:
      "Node a is drained. The operator opens node_draining and proposes undrain_node, which waits for a person. Instead, a person pulls " +
      "the kill switch: every pending action is cancelled and the operator falls back to observe. Then the drain is lifted by hand.",
    faults: [{ fault: "node-drain", params: { node: "a" }, durationMs: LEASE_MS }],
    expect: { detections: [{ invariant: "node_draining", resource: "node:a" }], deadlineMs: 15_000, components: ["node:a"], faultClass: "drained" },
    remedy: [{ action: "undrain_node", params: { node: "a" } }],
    kind: "kill_switch",
  },
  {
    name: "partition",
    subject: SUBJECT,
    title: "One node cut off from Redis",
    narration:
      "Last, the cluster restarts with fail policy local: a node that loses Redis enforces its own share of each limit. Then node b's link to " +
      "Redis is cut. Expect node_degraded on node:b only, counter_drift on tenant-drift (b counts alone), and a diagnosis naming node b.",
    deployment: { failPolicy: "local" },
    workload: { rate: 6, key: "tenant-drift" },
    faults: [{ fault: "partition", params: { node: "b" }, durationMs: LEASE_MS }],
    expect: {
      detections: [{ invariant: "node_degraded", resource: "node:b" }, { invariant: "counter_drift", resource: "key:tenant-drift" }],
      deadlineMs: 25_000,
      components: ["node:b"],
      faultClass: "network_partition",
      // b's local share on top of what the others admit through Redis; b disagrees on every busy key, not only
      // tenant-drift; its checks waited for Redis until its breaker opened.
      tolerated: ["over_admission:key:tenant-drift", "counter_drift:key:*", "high_check_latency:node:b"],
    },
  },
  {
    name: "teardown",
    subject: SUBJECT,
    kind: "teardown",
    title: "Teardown",
    narration: "The load stops, the monitor stops, every fault is reverted, and every process the demo started is stopped by its recorded pid. Nothing may be left running.",
    faults: [],
    expect: CONTROL,
  },
];

export const demo: DemoPlan = {
  title: "the operator on a rate-limiter cluster",
  deployment,
  background: { rate: 30, keys: 300, keyDist: "uniform", keyPrefix: "user-" },
  graceScale: 0.2,
  intervalMs: 1_000,
  verifyWithinMs: 15_000,
  chapters,
};

/** Eval's scenarios: the demo's fault chapters, the same definitions. */
export const scenarios: Scenario[] = chapters.filter((c) => kindOf(c) === "fault");
