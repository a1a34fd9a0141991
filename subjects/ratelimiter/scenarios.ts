// The rate limiter's eval scenarios: the demo's fault chapters as they are (one definition, see
// chapters.ts), the kill-switch chapter's drain with its remedy approved, and the faults the demo
// leaves out, alone and two at once (the diagnosis must then name both components).
import type { Scenario } from "../../lib/scenario/scenario.ts";
import { demo, scenarios as demoScenarios } from "./chapters.ts";

const SUBJECT = "ratelimiter";
const LEASE_MS = 60_000;

/** The demo's kill-switch drill, as a plain drain whose remedy is approved. */
const nodeDrain: Scenario[] = demo.chapters.filter((c) => c.kind === "kill_switch").map((c) => ({
  ...c, name: "node-drain", kind: "fault", title: "A node left drained", narration: "Node a is drained and nobody undrains it. Expect node_draining on node:a and undrain_node, approved.", quietMs: 3_000,
}));

const more: Scenario[] = [
  {
    name: "node-pause",
    subject: SUBJECT,
    title: "A node hangs",
    narration: "Node c is frozen with SIGSTOP: it keeps its port open and answers nothing. A timeout, not a refusal: node_down on node:c as a paused process, and restart_node.",
    faults: [{ fault: "node-pause", params: { node: "c" }, durationMs: LEASE_MS }],
    expect: { detections: [{ invariant: "node_down", resource: "node:c" }], deadlineMs: 15_000, components: ["node:c"], faultClass: "process_paused" },
    remedy: [{ action: "restart_node", params: { node: "c" } }],
    quietMs: 3_000,
  },
  {
    name: "redis-kill",
    subject: SUBJECT,
    title: "Redis dies",
    narration: "redis-server is killed. Connections are refused: redis_unreachable as a dead process, every node degraded (fail-open), all blamed on redis. Restarting Redis is the revert.",
    faults: [{ fault: "redis-kill", params: {}, durationMs: 15_000 }],
    expect: {
      detections: [
        { invariant: "redis_unreachable", resource: "redis" },
        { invariant: "node_degraded", resource: "node:a" },
        { invariant: "node_degraded", resource: "node:b" },
        { invariant: "node_degraded", resource: "node:c" },
      ],
      deadlineMs: 15_000,
      components: ["redis"],
      faultClass: "process_down",
    },
  },
  {
    name: "redis-oom",
    subject: SUBJECT,
    title: "Redis out of memory",
    narration: "Redis gets maxmemory 1 byte with noeviction: every write fails with OOM and the nodes fall back. Expect redis_memory on redis, blamed on memory pressure.",
    faults: [{ fault: "redis-oom", params: {}, durationMs: 20_000 }],
    expect: {
      detections: [{ invariant: "redis_memory", resource: "redis" }],
      deadlineMs: 15_000,
      components: ["redis"],
      faultClass: "memory_pressure",
      tolerated: ["node_degraded:node:a", "node_degraded:node:b", "node_degraded:node:c"],
    },
  },
  {
    name: "slow-link+node-kill",
    subject: SUBJECT,
    title: "A slow link on one node while another dies",
    narration: "Node c's link to Redis gains 100 ms each way (past its 50 ms Redis timeout, so it also falls back) and node b is killed, both at once. Two causes: node:c's link and node:b's process, each named; b is restarted.",
    faults: [
      { fault: "redis-latency", params: { node: "c", latency: "100ms" }, durationMs: LEASE_MS },
      { fault: "node-kill", params: { node: "b" }, durationMs: LEASE_MS },
    ],
    expect: {
      detections: [{ invariant: "node_down", resource: "node:b" }, { invariant: "redis_latency", resource: "node:c" }],
      deadlineMs: 25_000,
      components: ["node:b", "node:c"],
      faultClass: "process_down",
      faultClasses: { "node:c": "network_latency" },
      // Past its 50 ms Redis timeout node c decides by its fail policy (open): the same cause as its redis_latency.
      tolerated: ["high_check_latency:node:c", "node_degraded:node:c", "over_admission:key:*", "counter_drift:key:*"],
    },
    remedy: [{ action: "restart_node", params: { node: "b" } }],
  },
  {
    name: "hot-key+node-pause",
    subject: SUBJECT,
    title: "A flood on one key while a node hangs",
    narration: "A runaway client sends 150 checks/s for hot-key while node a is frozen. Two causes: key:hot-key (blocked) and node:a (restarted).",
    faults: [
      { fault: "node-pause", params: { node: "a" }, durationMs: LEASE_MS },
      { fault: "hot-key", params: { key: "hot-key", rate: "150" }, durationMs: LEASE_MS },
    ],
    expect: {
      detections: [{ invariant: "node_down", resource: "node:a" }, { invariant: "hot_key", resource: "key:hot-key" }],
      deadlineMs: 25_000,
      components: ["node:a", "key:hot-key"],
      faultClass: "process_paused",
      faultClasses: { "key:hot-key": "hot_key" },
    },
    remedy: [{ action: "restart_node", params: { node: "a" } }, { action: "block_key", params: { key: "hot-key" } }],
    quietMs: 4_000,
  },
];

export const scenarios: Scenario[] = [...demoScenarios, ...nodeDrain, ...more];
