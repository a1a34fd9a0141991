// The chaos protocol: what a subject's fault is to the engine (plan, inject, revert, verify), and
// the fault record, a lease kept in the state db before anything is touched.
import type { OptionTable } from "../cli/config.ts";
import type { DeploymentRecord } from "../cluster/deployment.ts";

/** What a fault hits, decided before it is injected. */
export interface FaultTarget {
  /** A resource string (`node:b`, `store:0`, `key:user-1`): two active faults on one are refused without --stack. */
  resource: string;
  /** Who exactly was hit (a pid and its start time, a port, a key): plain JSON, kept with the lease. */
  identity: Record<string, unknown>;
}

export interface FaultPlan {
  target: FaultTarget;
  /** Everything revert needs, as plain JSON: another process (the watchdog) may run it. */
  revert: Record<string, unknown>;
  /** One line: what inject will do. */
  summary: string;
  /** The lease, when the fault sets it itself (node-kill's --restart-after); else --duration. */
  durationMs?: number;
}

/** A fault lease as stored and as scripts see it (`chaos <fault> --json`). */
export interface FaultRecord {
  id: number;
  fault: string;
  subject: string;
  /** The resource string of the target. */
  target: string;
  targetIdentity: Record<string, unknown>;
  params: Record<string, unknown>;
  revertPlan: Record<string, unknown>;
  summary: string;
  /** `injecting` → `active` → `reverting` → `reverted`; a failed revert goes back to `active`. */
  status: FaultStatus;
  /** The lease's length, ms (inject may use it, e.g. to let the server undo the fault itself). */
  durationMs: number;
  injectedAt: number;
  expiresAt: number;
  revertedAt: number | null;
  /** The revert was checked from outside (the node answers, the TTL is back, the link passes traffic). */
  verified: boolean | null;
  error: string | null;
}

export type FaultStatus = "injecting" | "active" | "reverting" | "reverted";

/** What a fault's functions may use: the recorded deployment and a way to restart its parts. */
export interface FaultContext {
  stateDir: string;
  deployment: DeploymentRecord;
  /** argv that starts this same binary (for faults that run a process of it). */
  selfCommand: string[];
  /** Restarts one part of the deployment through its subject (a killed node, a killed store) and records it. */
  restartPart(part: string): Promise<DeploymentRecord>;
}

export interface FaultDefinition {
  name: string;
  description: string;
  /** What it targets, in words (`one node: --node ID or --random`). */
  targets: string;
  /** Its own flags: parameters and target selectors. The engine adds --duration, --wait, --stack, --dry-run. */
  options: OptionTable;
  /** Resolves the target and parameters without touching anything; a bad target is a usage error. */
  plan(ctx: FaultContext, params: Record<string, unknown>): Promise<FaultPlan>;
  /** Injects it; what it returns joins the revert plan (e.g. the pid of a process it started). */
  inject(ctx: FaultContext, fault: FaultRecord): Promise<Record<string, unknown> | void>;
  /**
   * Undoes the fault; harmless when it is already undone. `cluster down` does not call it: stopping
   * the deployment ends the fault, so a process a fault starts must be spawned with the state dir
   * as its `owner` (lib/process/owner.ts), which is how down finds it.
   */
  revert(ctx: FaultContext, fault: FaultRecord): Promise<void>;
  /** Seen from outside: is the system back as it was? */
  isReverted(ctx: FaultContext, fault: FaultRecord): Promise<boolean>;
  /**
   * For a fault that is traffic: what its driver process does for the lease (see chaos/driver.ts),
   * until `signal` fires (lease over, or revert stopped the process).
   */
  drive?(ctx: FaultContext, fault: FaultRecord, signal: AbortSignal): Promise<void>;
}

const snakeKeys = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));

/** The record as `--json` prints it (snake_case, ISO times). */
export function faultJson(record: FaultRecord, now = Date.now()) {
  return {
    id: record.id,
    fault: record.fault,
    target: record.target,
    params: snakeKeys(record.params),
    status: record.status,
    summary: record.summary,
    injected_at: new Date(record.injectedAt).toISOString(),
    expires_at: new Date(record.expiresAt).toISOString(),
    reverted_at: record.revertedAt === null ? null : new Date(record.revertedAt).toISOString(),
    verified: record.verified,
    time_left_ms: record.status === "reverted" ? 0 : Math.max(0, record.expiresAt - now),
    ...(record.error ? { error: record.error } : {}),
  };
}
