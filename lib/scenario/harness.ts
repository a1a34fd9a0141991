// What scenarios play on: a subject's local deployment, the monitor watching it in this process
// (diagnosis and the action gate included, in execute mode), load through lib/load, faults as
// chaos leases, and a person's decisions (approve, kill switch) taken through the same gate and
// audit log a person uses. Every event, the monitor's and its own, goes to one EventLog.
import { approveAction } from "../actions/approval.ts";
import { engageKillSwitch, setMode, type Mode } from "../actions/settings.ts";
import { revertAll, revertFault, injectFault } from "../chaos/engine.ts";
import type { FaultRecord } from "../chaos/fault.ts";
import { faultJson } from "../chaos/fault.ts";
import { findFault, openChaosSession, type ChaosEnv, type ChaosSession } from "../chaos/session.ts";
import { clusterRestart, clusterUp } from "../cluster/cluster.ts";
import { clusterDown, type StopReport } from "../cluster/cluster-down.ts";
import { resolveOptions } from "../cli/config.ts";
import { DEPLOYMENT_DIR, type DeploymentRecord, type PartStatus } from "../cluster/deployment.ts";
import { join } from "node:path";
import type { DiagnosisEngine } from "../diagnosis/diagnosis.ts";
import { usageError } from "../cli/errors.ts";
import { runMonitor } from "../monitor/monitor.ts";
import type { EmitEvent } from "../monitor/monitor-stage.ts";
import { createResponseStage } from "../monitor/response-stage.ts";
import type { FaultStep } from "./scenario.ts";
import { openState, type State } from "../state/state.ts";
import type { Subject, SubjectPlugin } from "../subject/subject.ts";
import { EventLog } from "./event-log.ts";
import { startLoad, type LoadHandle } from "./load-handle.ts";
import type { Workload } from "./scenario.ts";

/** What a harness, and a demo or eval that makes harnesses, takes from its command: where, how it reports, when to stop. */
export interface HarnessContext {
  plugin: SubjectPlugin;
  stateDir: string;
  /** The environment the deployment's processes inherit (cmd/ passes the process's own). */
  env: Record<string, string | undefined>;
  /** argv that starts this same binary. */
  selfCommand: string[];
  /** Ctrl-C: waits end at once; `close()` still cleans up. */
  signal: AbortSignal;
  note(text: string): void;
  /** Where every event goes besides the log (NDJSON, the live view). */
  emit: EmitEvent;
}

export interface HarnessOptions extends HarnessContext {
  engine: DiagnosisEngine;
  graceScale: number;
  intervalMs: number;
  observeTimeoutMs: number;
  /** The subject's own options while watched, as typed (`{checkP99Threshold: "250ms"}`). */
  watch: Record<string, string>;
  /** Who approves and engages the kill switch, in the audit log. */
  actor: string;
  verifyWithinMs: number;
  actionTimeoutMs: number;
}

interface Watching {
  subject: Subject;
  stop: AbortController;
  done: Promise<unknown>;
}

export class Harness {
  readonly events = new EventLog();
  readonly state: State;
  /** The deployment options (as typed) of what is up now; undefined when nothing is. */
  deployed: Record<string, string> | undefined;
  record: DeploymentRecord | undefined;
  private watching: Watching | undefined;
  private readonly loads = new Set<LoadHandle>();
  private closed = false;

  constructor(readonly options: HarnessOptions) {
    this.state = openState(options.stateDir);
  }

  /** Records an event of the run and passes it on. */
  emit(type: string, data: Record<string, unknown>, human?: string): void {
    this.events.push(type, data);
    this.options.emit(type, data, human);
  }

  private env(signal = this.options.signal): ChaosEnv {
    return { stateDir: this.state.dir, env: this.options.env, selfCommand: this.options.selfCommand, signal, note: this.options.note };
  }

  /** Brings the deployment up with `options` (as typed); one with other options is taken down first. */
  async deploy(options: Record<string, string>): Promise<DeploymentRecord> {
    if (this.deployed && this.record && sameOptions(this.deployed, options)) return this.record;
    if (this.deployed) await this.undeploy();
    const { plugin } = this.options;
    if (!plugin.deployment) throw usageError("no_deployment", `subject ${plugin.name} has no local deployment to run scenarios on`);
    const resolved = resolveOptions(plugin.deployment.options, options, {});
    const view = await clusterUp(this.env(), plugin.name, resolved as Record<string, unknown>);
    if (view.alreadyUp) throw usageError("cluster_exists", `a cluster is already up in ${this.state.dir}: scenarios need their own (operator cluster down --state-dir ${this.state.dir}, or another --state-dir)`);
    this.deployed = options;
    this.record = view.record;
    this.emit("deployed", { subject: plugin.name, options, parts: view.parts.map((p) => ({ name: p.name, role: p.role, pid: p.pid ?? null, url: p.url ?? null, healthy: p.healthy })) },
      `${plugin.name} deployment up: ${view.parts.map((p) => p.name).join(", ")}`);
    setMode(this.state, "execute", this.options.actor, "scenario run: approved actions run", Date.now());
    await this.watch();
    return view.record;
  }

  /** Opens the subject on the deployment and runs the monitor in this process until `unwatch`. */
  private async watch(): Promise<void> {
    const o = this.options;
    const subject = await o.plugin.open(resolveOptions(o.plugin.options, o.watch, {}) as Record<string, unknown>, {
      stateDir: this.state.dir,
      restartPart: async (part, signal) => {
        const view = await clusterRestart(this.env(signal), part);
        this.record = view.record;
      },
    });
    const stop = new AbortController();
    const response = createResponseStage({ diagnose: true, engine: o.engine, autoApprove: "none", actionTimeoutMs: o.actionTimeoutMs, verifyWithinMs: o.verifyWithinMs, subjectDescription: o.plugin.description });
    const done = runMonitor({
      subject, state: this.state, intervalMs: o.intervalMs, graceScale: o.graceScale, observeTimeoutMs: o.observeTimeoutMs, once: false,
      stages: [response], emit: (type, data, human) => this.emit(type, data, human), signal: AbortSignal.any([stop.signal, o.signal]),
    }).catch((error) => this.emit("error", { source: "monitor", message: error instanceof Error ? error.message : String(error) }));
    this.watching = { subject, stop, done };
  }

  private async unwatch(): Promise<void> {
    const watching = this.watching;
    if (!watching) return;
    this.watching = undefined;
    watching.stop.abort();
    await watching.done;
    await watching.subject.close().catch(() => {});
  }

  /** Load against the deployment's endpoints until its handle is stopped. */
  startLoad(name: string, workload: Workload): LoadHandle {
    const { plugin } = this.options;
    const definition = plugin.workloads?.[0];
    if (!definition) throw usageError("no_workload", `subject ${plugin.name} defines no workload to send`);
    if (!this.record) throw usageError("no_deployment", "load needs the deployment up first");
    const handle = startLoad(name, workload, { targets: this.record.endpoints, definition, signal: this.options.signal, emit: (type, data) => this.emit(type, data) });
    this.loads.add(handle);
    void handle.done.finally(() => this.loads.delete(handle));
    return handle;
  }

  private async chaos<T>(work: (session: ChaosSession) => Promise<T>): Promise<T> {
    // Cleanup must finish after Ctrl-C, so chaos never runs under the interrupt signal.
    const session = await openChaosSession(this.env(new AbortController().signal));
    try {
      return await work(session);
    } finally {
      session.close();
    }
  }

  /** Injects one fault as a lease (recorded before it is touched, reverted by the watchdog at the latest). */
  async inject(step: FaultStep): Promise<FaultRecord> {
    return this.chaos(async (session) => {
      const definition = findFault(session, step.fault);
      const resolved = resolveOptions(definition.options, step.params, {}) as Record<string, unknown>;
      const params = Object.fromEntries(Object.entries(resolved).filter(([, v]) => v !== undefined && v !== false));
      const outcome = await injectFault(session, step.fault, params, { durationMs: step.durationMs, stack: false, dryRun: false });
      if (outcome.dryRun) throw new Error("a scenario never injects a dry run");
      const record = outcome.record;
      this.emit("fault_injected", { fault: faultJson(record) }, `fault #${record.id} ${record.fault} on ${record.target}: ${record.summary}`);
      return record;
    });
  }

  async revert(id: number): Promise<FaultRecord> {
    return this.chaos(async (session) => {
      const { record, outcome } = await revertFault(session, id);
      this.emit("fault_reverted", { fault: faultJson(record), outcome }, `fault #${record.id} ${record.fault} on ${record.target}: ${outcome}`);
      return record;
    });
  }

  /** Approves a proposed action as a person does with `operator actions approve`. */
  approve(actionId: number, why: string): void {
    const action = approveAction(this.state, actionId, this.options.actor, why, Date.now());
    this.emit("action_approved", { action_id: action.id, name: action.name, params: action.params, by: this.options.actor, why }, `action #${action.id} ${action.name} approved by ${this.options.actor}: ${why}`);
  }

  killSwitch(why: string) {
    const outcome = engageKillSwitch(this.state, this.options.actor, why, Date.now());
    this.emit("kill_switch", { by: this.options.actor, why, previous_mode: outcome.previousMode, cancelled: outcome.cancelled.map((a) => a.id) },
      `kill switch engaged by ${this.options.actor}: ${outcome.cancelled.length} pending action(s) cancelled, mode observe`);
    return outcome;
  }

  setMode(mode: Mode, why: string): void {
    setMode(this.state, mode, this.options.actor, why, Date.now());
    this.emit("mode_set", { mode, by: this.options.actor, why }, `mode ${mode}: ${why}`);
  }

  /** Every part of the deployment and its health, as `cluster status` shows them. */
  async parts(): Promise<PartStatus[]> {
    const definition = this.options.plugin.deployment;
    if (!definition || !this.record) return [];
    return definition.status({ stateDir: this.state.dir, dir: join(this.state.dir, DEPLOYMENT_DIR), env: this.options.env, selfCommand: this.options.selfCommand, signal: this.options.signal, note: this.options.note }, this.record);
  }

  /** Stops every load and the monitor, then takes the deployment down with `cluster down`'s teardown (faults cancelled, everything it started stopped). */
  async undeploy(): Promise<StopReport[]> {
    await Promise.all([...this.loads].map((l) => l.stop()));
    await this.unwatch();
    if (!this.deployed) return [];
    const { stopped } = await clusterDown(this.env(new AbortController().signal));
    this.deployed = undefined;
    this.record = undefined;
    this.emit("undeployed", { stopped: stopped.map((s) => ({ name: s.name, pid: s.pid, outcome: s.outcome })) }, `deployment down: ${stopped.map((s) => `${s.name} ${s.outcome}`).join(", ")}`);
    return stopped;
  }

  /** Reverts what is still active, each revert verified (cluster down cancels the leases instead). */
  async revertActive(): Promise<void> {
    if (!this.deployed) return;
    await this.chaos((session) => revertAll(session)).catch(() => []);
  }

  /** Everything this harness started is stopped; safe to call twice. */
  async close(): Promise<StopReport[]> {
    if (this.closed) return [];
    this.closed = true;
    try {
      return await this.undeploy();
    } finally {
      this.state.close();
    }
  }
}

function sameOptions(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}
