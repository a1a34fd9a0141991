// A local deployment as the core sees it: what a subject started (processes by pid and start
// time, log files, endpoints), recorded in the state db so that every later command, and other
// processes, find it again. The subject says what to start; this module keeps the record, and
// records a restarted part only while the deployment is not going down.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { OptionTable } from "../cli/config.ts";
import { OperatorError, usageError } from "../cli/errors.ts";
import type { ProcessIdentity } from "../process/identity.ts";
import { stopProcess } from "../process/supervisor.ts";
import { ensureSchema, openState, STATE_DB_FILE, type State } from "../state/state.ts";

/** One process a deployment started: enough to find it again and to prove it is still the same one. */
export interface ProcessRecord extends ProcessIdentity {
  /** Unique within the deployment (`node-a`, `store-0`, `link-a`). */
  name: string;
  /** The subject's word for what it is (`node`, `store`, `link-proxy`). */
  role: string;
  logFile: string;
  port?: number;
  url?: string;
}

export interface DeploymentRecord {
  subject: string;
  /** ISO time of `cluster up`. */
  createdAt: string;
  /** The state dir, absolute. */
  stateDir: string;
  /** URLs that load and monitoring aim at by default (a subject's service endpoints). */
  endpoints: string[];
  /** In start order; stopped in reverse. */
  processes: ProcessRecord[];
  /** The subject's own description of what it started (plain JSON, its vocabulary). */
  details: Record<string, unknown>;
}

/** One part of a deployment and its health, for `cluster status`. */
export interface PartStatus {
  name: string;
  role: string;
  pid?: number;
  url?: string;
  /** The recorded process is still running (and is still ours). */
  alive: boolean;
  /** It answers as it should. */
  healthy: boolean;
  /** One line: why it is (un)healthy. */
  detail: string;
}

/** Where a deployment keeps its files (logs, data, tokens) inside the state dir. */
export const DEPLOYMENT_DIR = "cluster";

export interface DeploymentContext {
  stateDir: string;
  /** The deployment's own folder (`<state dir>/cluster`): removed by `cluster down`. */
  dir: string;
  /** The environment the started processes inherit (cmd/ passes the process's own). */
  env: Record<string, string | undefined>;
  /** argv that starts this same binary (compiled: [binary]; from source: [bun, cmd/main.ts]). */
  selfCommand: string[];
  signal: AbortSignal;
  /** A progress line for the person at the terminal (stderr). */
  note(text: string): void;
}

/** How a subject starts itself on this machine (`operator cluster up --subject NAME`). */
export interface DeploymentDefinition {
  description: string;
  /** Flags of `cluster up` for this subject. */
  options: OptionTable;
  /** Starts everything and waits until healthy; on any failure stops what it started, then throws. */
  up(ctx: DeploymentContext, options: Record<string, unknown>): Promise<DeploymentRecord>;
  status(ctx: DeploymentContext, record: DeploymentRecord): Promise<PartStatus[]>;
  /** Parts that `cluster restart-node` takes, by the id a person types (`b`). */
  restartableParts(record: DeploymentRecord): string[];
  /** Restarts one part (after stopping it if it runs); returns the record with the part's new process (what is recorded back). */
  restart(ctx: DeploymentContext, record: DeploymentRecord, part: string): Promise<DeploymentRecord>;
  /** What `cluster up --json` and `cluster status --json` show about the deployment (snake_case). */
  describe(record: DeploymentRecord): Record<string, unknown>;
  /**
   * Optional: stops what the deployment runs that is not a recorded process (containers, a stack
   * another tool manages). `cluster down` calls it after stopping the recorded processes.
   */
  down?(ctx: DeploymentContext, record: DeploymentRecord): Promise<void>;
}

const MIGRATIONS = [
  "CREATE TABLE deployment (id INTEGER PRIMARY KEY CHECK (id = 1), subject TEXT NOT NULL, record TEXT NOT NULL, updated_at INTEGER NOT NULL)",
  // Set once `cluster down` begins: from then on nothing is restarted into this deployment.
  "ALTER TABLE deployment ADD COLUMN going_down_at INTEGER",
];

function ensureDeploymentSchema(state: State): void {
  ensureSchema(state, "deployment", MIGRATIONS);
}

export function readDeployment(state: State): DeploymentRecord | undefined {
  ensureDeploymentSchema(state);
  const row = state.db.query<{ record: string }, []>("SELECT record FROM deployment WHERE id = 1").get();
  return row ? (JSON.parse(row.record) as DeploymentRecord) : undefined;
}

export function writeDeployment(state: State, record: DeploymentRecord): void {
  ensureDeploymentSchema(state);
  state.db
    .query("INSERT INTO deployment (id, subject, record, updated_at) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET subject = excluded.subject, record = excluded.record, updated_at = excluded.updated_at")
    .run(record.subject, JSON.stringify(record), Date.now());
}

/**
 * Marks the deployment as going down and returns it as recorded at that moment: no restart is
 * recorded after this, so it names every part that a restart could have replaced.
 */
export function markGoingDown(state: State, now: number): DeploymentRecord | undefined {
  ensureDeploymentSchema(state);
  return state.db.transaction(() => {
    state.db.query("UPDATE deployment SET going_down_at = COALESCE(going_down_at, ?) WHERE id = 1").run(now);
    return readDeployment(state);
  }).immediate();
}

export function isGoingDown(state: State): boolean {
  ensureDeploymentSchema(state);
  return state.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM deployment WHERE id = 1 AND going_down_at IS NOT NULL").get()!.n > 0;
}

/** What a restart or a fault meets once down has begun. */
export const goingDown = (state: State) => new OperatorError("cluster_going_down", `the cluster in ${state.dir} is being taken down: nothing is started in it (operator cluster down finishes it)`, 1);

/**
 * Restarts one part through its subject and records it, only into a deployment that is up: once
 * down has begun nothing is restarted, and a restart that down overtook stops what it started
 * (down has already chosen what to stop, and a process nobody records would outlive it).
 */
export async function restartRecordedPart(state: State, definition: DeploymentDefinition, ctx: DeploymentContext, part: string): Promise<DeploymentRecord> {
  const current = readDeployment(state);
  if (!current) throw usageError("no_cluster", `no cluster in ${state.dir}: start one with operator cluster up`);
  if (isGoingDown(state)) throw goingDown(state);
  const next = await definition.restart(ctx, current, part);
  const started = next.processes.filter((p) => !current.processes.some((q) => q.pid === p.pid && q.startTime === p.startTime));
  const recorded = state.db.transaction(() => {
    const now = readDeployment(state);
    if (!now || isGoingDown(state)) return undefined;
    // Onto the record as it is now: a restart of another part, meanwhile, keeps its new pid.
    const merged = started.reduce(withProcess, now);
    writeDeployment(state, merged);
    return merged;
  }).immediate();
  if (recorded) return recorded;
  await Promise.all(started.map((p) => stopProcess(p)));
  throw goingDown(state);
}

export function deleteDeployment(state: State): void {
  ensureDeploymentSchema(state);
  state.db.query("DELETE FROM deployment").run();
}

/**
 * The deployment recorded in `stateDir`, or undefined when there is none. Read-only: a state dir
 * that does not exist stays absent. Other code (monitor, demo) finds "the local cluster" here.
 */
export function loadDeployment(stateDir: string): DeploymentRecord | undefined {
  if (!existsSync(join(resolve(stateDir), STATE_DB_FILE))) return undefined;
  const state = openState(stateDir);
  try {
    return readDeployment(state);
  } finally {
    state.close();
  }
}

export function findProcess(record: DeploymentRecord, name: string): ProcessRecord | undefined {
  return record.processes.find((p) => p.name === name);
}

/** The record with one process replaced (by name), e.g. after a restart gave it a new pid. */
export function withProcess(record: DeploymentRecord, next: ProcessRecord): DeploymentRecord {
  return { ...record, processes: record.processes.map((p) => (p.name === next.name ? next : p)) };
}
