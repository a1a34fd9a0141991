// Plays one scenario on a harness and judges it: bring up (setup), inject the faults as leases,
// await the expected tickets, the diagnosis and the remedy's proposal, approve it as a person would
// (or pull the kill switch), await its run and verification, check the remedy holds, revert, await
// all clear. Every wait is for an event, with a deadline; every step's time is in the outcome.
import { getAction } from "../actions/action-store.ts";
import { getMode } from "../actions/settings.ts";
import type { FaultRecord } from "../chaos/fault.ts";
import { isSameProcess, type ProcessIdentity } from "../process/identity.ts";
import { waitFor } from "../process/wait.ts";
import { bindPlaceholders, kindOf, type RemedyStep, type Scenario, type Workload } from "./scenario.ts";
import type { RunEvent } from "./event-log.ts";
import type { Harness } from "./harness.ts";
import type { LoadHandle } from "./load-handle.ts";
import { describeTicket, diagnosisFor, diagnosisOf, isProposalOf, isTicketFor, isTolerated, judgeDiagnoses, ticketOf, unexpectedTickets, type ScenarioOutcome } from "./outcome.ts";
import { recordedWatchdog } from "../chaos/store.ts";

export interface RunSettings {
  /** The deployment every scenario starts from (as typed); a scenario's own options are merged over it. */
  deployment: Record<string, string>;
  /** Load under every scenario, started with the deployment. */
  background?: Workload;
  /** After a ticket opens, how long its diagnosis and proposal may take (ms). */
  diagnosisDeadlineMs: number;
  /** After the faults are reverted, how long until every ticket is resolved and nothing is violated (ms). */
  clearDeadlineMs: number;
}

/** Ctrl-C (or SIGTERM) during a run: not a failure of the scenario. */
export class Interrupted extends Error {
  constructor() {
    super("interrupted");
    this.name = "Interrupted";
  }
}

class Failure extends Error {}

/** Monitor cycles a scenario's own load, or a deployment just brought up, runs before the faults. */
const WARMUP_CYCLES = 2;

export async function runScenario(h: Harness, scenario: Scenario, settings: RunSettings): Promise<ScenarioOutcome> {
  return new ScenarioRun(h, scenario, settings).run();
}

class ScenarioRun {
  private readonly from: number;
  private readonly outcome: ScenarioOutcome;
  private readonly injected: FaultRecord[] = [];
  private load: LoadHandle | undefined;

  /** The scenario; its `{placeholders}` are bound once the faults are in. */
  private s: Scenario;

  constructor(private readonly h: Harness, scenario: Scenario, private readonly settings: RunSettings) {
    this.s = scenario;
    this.from = h.events.mark();
    this.outcome = { scenario: scenario.name, kind: kindOf(scenario), passed: false, startedAt: Date.now(), finishedAt: 0, faults: [], detections: [], unexpected: [], diagnoses: [], remedies: [], remedyHeld: null, allClearAt: null };
  }

  private get signal() {
    return this.h.options.signal;
  }

  private step(step: string, message: string, extra: Record<string, unknown> = {}): void {
    this.h.emit("step", { scenario: this.s.name, step, message, ...extra }, `  ${message}`);
  }

  /** The first matching event from `from` on, or undefined once `deadlineAt` passes. */
  private async awaitEvent(match: (e: RunEvent) => boolean, deadlineAt: number, from = this.from): Promise<RunEvent | undefined> {
    const event = await this.h.events.next(match, { from, deadlineAt, signal: this.signal });
    if (this.signal.aborted) throw new Interrupted();
    return event;
  }

  /** The first matching event from `from` on, or a failure naming `what` once `deadlineAt` passes. */
  private async expectEvent(what: string, match: (e: RunEvent) => boolean, deadlineAt: number, from = this.from): Promise<RunEvent> {
    const waitedFrom = Date.now();
    const event = await this.h.events.next(match, { from, deadlineAt, signal: this.signal });
    if (this.signal.aborted) throw new Interrupted();
    if (!event) throw new Failure(`${what} did not come within ${Math.max(0, Math.round((deadlineAt - waitedFrom) / 1000))} s`);
    return event;
  }

  async run(): Promise<ScenarioOutcome> {
    try {
      const kind = kindOf(this.s);
      if (kind === "teardown") await this.teardown();
      else {
        await this.deploy();
        if (kind === "setup") await this.quiet(this.s.quietMs ?? 0, "the baseline");
        else if (kind === "control") await this.control(this.s.quietMs ?? 0);
        else await this.fault(kind === "kill_switch");
      }
      this.outcome.passed = true;
    } catch (error) {
      if (!(error instanceof Failure)) throw error;
      this.outcome.failure = error.message;
      await this.recover();
    } finally {
      await this.cleanUp();
      this.outcome.finishedAt = Date.now();
      // Every ticket of the run that neither a detection nor a tolerated key accounts for (eval's false positives).
      if (this.outcome.kind !== "teardown") this.outcome.unexpected = unexpectedTickets(this.h.events.since(this.from), this.s.expect.detections, this.s.expect.tolerated);
    }
    return this.outcome;
  }

  private async deploy(): Promise<void> {
    // A scenario that names no deployment plays on whatever is up; one that does gets exactly that.
    const before = this.h.record;
    const record = before && !this.s.deployment ? before : await this.h.deploy({ ...this.settings.deployment, ...this.s.deployment });
    if (record !== before) {
      this.step("deployed", `deployment up: ${record.processes.length} processes`);
      if (this.settings.background) {
        this.h.startLoad("background", this.settings.background);
        this.step("load", `background load: ${describeLoad(this.settings.background)}`);
      }
    }
    if (this.s.workload) {
      this.load = this.h.startLoad(this.s.name, this.s.workload);
      this.step("load", `load of this scenario: ${describeLoad(this.s.workload)}`);
    }
    if (this.s.workload || record !== before) {
      // The operator sees the load (its keys, their limits) and a fresh deployment settle before anything breaks.
      for (let n = 0; n < WARMUP_CYCLES; n++) {
        await this.expectEvent("a monitor cycle with the load running", (e) => e.type === "cycle", Date.now() + 10 * this.h.options.intervalMs + this.h.options.observeTimeoutMs, this.h.events.mark());
      }
    }
  }

  private async fault(killSwitch: boolean): Promise<void> {
    await this.injectFaults();
    if (this.s.expect.detections.length === 0) return this.silentFault();
    const expect = this.s.expect;
    const injectedAt = this.outcome.faults[0]?.injectedAt ?? Date.now();

    // Every expected ticket is awaited (until the one deadline) and recorded, found or not: eval scores partial detection.
    for (const detection of expect.detections) {
      const event = await this.awaitEvent(isTicketFor(detection), injectedAt + expect.deadlineMs);
      const ticket = event ? ticketOf(event) : null;
      this.outcome.detections.push({ expected: detection, ticket });
      if (ticket) this.step("detected", `ticket ${describeTicket(ticket)} after ${((ticket.openedAt - injectedAt) / 1000).toFixed(1)} s`, { ticket_id: ticket.id });
    }
    const tickets = this.outcome.detections.flatMap((d) => (d.ticket ? [d.ticket] : []));
    const diagnosed = [];
    for (const t of tickets) {
      const covered = () => diagnosisFor(this.h.events.since(this.from), t.id);
      diagnosed.push((await this.awaitEvent(() => covered() !== undefined, Date.now() + this.settings.diagnosisDeadlineMs, 0)) && covered());
    }
    this.outcome.diagnoses = diagnosed.flatMap((e) => (e ? [e] : [])).sort((a, b) => a.at - b.at).map(diagnosisOf);
    const missed = this.outcome.detections.filter((d) => !d.ticket).map((d) => `${d.expected.invariant} on ${d.expected.resource}`);
    if (missed.length) throw new Failure(`no ticket ${missed.join(", ")} within ${Math.round(expect.deadlineMs / 1000)} s of the fault`);
    const verdict = judgeDiagnoses(this.outcome.diagnoses, expect);
    const first = this.outcome.diagnoses[0]!;
    if (verdict) throw new Failure(verdict);
    this.step("diagnosed", `diagnosis: ${first.component} (${first.faultClass})`, { component: first.component, fault_class: first.faultClass });

    const remedy = this.s.remedy ?? [];
    if (killSwitch) await this.cancelByKillSwitch(remedy[0]);
    else {
      for (const [i, step] of remedy.entries()) await this.applyRemedy(step, remedy.slice(i + 1));
      if (remedy.length) {
        this.outcome.remedyHeld = false;
        if (this.s.quietMs) await this.quiet(this.s.quietMs, "the remedy", expect.tolerated);
        this.outcome.remedyHeld = true;
      }
    }

    await this.revertFaults();
    await this.awaitAllClear();
    const unexpected = unexpectedTickets(this.h.events.since(this.from), expect.detections, expect.tolerated);
    if (unexpected.length) throw new Failure(`tickets nobody expected: ${unexpected.map(describeTicket).join(", ")}`);
    if (killSwitch) this.h.setMode("execute", `scenario ${this.s.name}: the kill switch was a drill; back to execute`);
  }

  private async injectFaults(): Promise<void> {
    for (const step of this.s.faults) {
      const record = await this.h.inject(step);
      this.injected.push(record);
      this.outcome.faults.push({ id: record.id, fault: record.fault, target: record.target, injectedAt: record.injectedAt, revertedAt: null });
      this.step("injected", `injected ${record.fault} on ${record.target} for ${Math.round(record.durationMs / 1000)} s`);
    }
    // What only the running deployment knew (`member:{leader}`) is known now: the faults' targets.
    this.s = bindPlaceholders(this.s, this.outcome.faults.map((f) => f.target));
  }

  /**
   * A fault under every threshold it touches (an eval variant): nothing may open while it is in
   * place, for as long as the scenario gives a detection; then it is reverted and all is clear.
   */
  private async silentFault(): Promise<void> {
    await this.quiet(this.s.expect.deadlineMs, "the silence expected of a fault under its thresholds");
    await this.revertFaults();
    await this.awaitAllClear();
    const opened = unexpectedTickets(this.h.events.since(this.from), []);
    if (opened.length) throw new Failure(`tickets for a fault expected to stay silent: ${opened.map(describeTicket).join(", ")}`);
  }

  private async proposal(step: RemedyStep): Promise<RunEvent> {
    const event = await this.expectEvent(`a proposal of ${step.action} ${JSON.stringify(step.params)}`, isProposalOf(step), Date.now() + this.settings.diagnosisDeadlineMs);
    const a = event.data.action;
    this.outcome.remedies.push({ action: a.name, actionId: a.id, params: a.params, proposedAt: event.at, approvedAt: null, finishedAt: null, status: a.status, verification: null, verifiedAt: null });
    this.step("proposed", `proposed: action #${a.id} ${a.name} ${JSON.stringify(a.params)} (${a.risk} risk)`, { action_id: a.id });
    return event;
  }

  /** Approves and runs one step; it must clear its ticket unless a `later` step was proposed for that same ticket. */
  private async applyRemedy(step: RemedyStep, later: RemedyStep[]): Promise<void> {
    const proposed = (await this.proposal(step)).data.action;
    const id = proposed.id as number;
    const seen = this.outcome.remedies.at(-1)!;
    const mark = this.h.events.mark();
    this.h.approve(id, `scenario ${this.s.name}: the proposed remedy`);
    seen.approvedAt = Date.now();
    this.step("approved", `approved action #${id} as ${this.h.options.actor}`, { action_id: id });
    const { actionTimeoutMs, verifyWithinMs, intervalMs } = this.h.options;
    const finished = await this.expectEvent(`action #${id} to finish`, (e) => e.type === "action_finished" && e.data.action.id === id, Date.now() + actionTimeoutMs + 5 * intervalMs, mark);
    seen.finishedAt = finished.at;
    seen.status = finished.data.action.status;
    if (seen.status !== "succeeded") throw new Failure(`action #${id} ${step.action} ${seen.status}: ${finished.data.action.result?.message ?? ""}`);
    this.step("executed", `action #${id} ran: ${finished.data.action.result?.message ?? "ok"}`, { action_id: id });
    // A remedy in steps for one ticket (compact, defragment, then disarm): only its last step has to clear it.
    const sameTicketLater = proposed.ticket_id !== null && later.some((next) => this.h.events.since(this.from, isProposalOf(next)).some((e) => e.data.action.ticket_id === proposed.ticket_id));
    if (sameTicketLater) return;
    const verified = await this.expectEvent(`the verification of action #${id}`, (e) => e.type === "action_verified" && e.data.action.id === id, Date.now() + verifyWithinMs + 5 * intervalMs, mark);
    seen.verification = verified.data.verification;
    seen.verifiedAt = verified.at;
    if (seen.verification !== "verified") throw new Failure(`action #${id} ${step.action} ran but its ticket's violation did not clear (${seen.verification})`);
    this.step("verified", `action #${id} verified: the violation cleared`, { action_id: id });
  }

  private async cancelByKillSwitch(step: RemedyStep | undefined): Promise<void> {
    if (!step) throw new Failure(`scenario ${this.s.name} names no remedy for the kill switch to cancel`);
    const id = (await this.proposal(step)).data.action.id as number;
    const outcome = this.h.killSwitch(`scenario ${this.s.name}: stop the operator before it acts`);
    if (!outcome.cancelled.some((a) => a.id === id)) throw new Failure(`the kill switch did not cancel action #${id}`);
    const mark = this.h.events.mark();
    await this.expectEvent("a monitor cycle after the kill switch", (e) => e.type === "cycle", Date.now() + 10 * this.h.options.intervalMs, mark);
    const action = getAction(this.h.state, id);
    const mode = getMode(this.h.state).mode;
    if (action?.status !== "cancelled" || mode !== "observe") throw new Failure(`after the kill switch action #${id} is ${action?.status} and the mode ${mode}`);
    const seen = this.outcome.remedies.at(-1)!;
    seen.status = "cancelled";
    this.step("cancelled", `kill switch: action #${id} cancelled, mode observe`, { action_id: id });
  }

  /** No ticket (but tolerated ones) may open for `ms`: the baseline is clean, or the remedy holds. */
  private async quiet(ms: number, what: string, tolerated: string[] = []): Promise<void> {
    const mark = this.h.events.mark();
    const opened = await this.h.events.next((e) => e.type === "ticket_opened" && !isTolerated(`${e.data.ticket.invariant}:${e.data.ticket.resource}`, tolerated), { from: mark, deadlineAt: Date.now() + ms, signal: this.signal });
    if (this.signal.aborted) throw new Interrupted();
    if (opened) throw new Failure(`${what} did not hold: ticket ${describeTicket(ticketOf(opened))} opened`);
    this.step("quiet", `nothing opened for ${Math.round(ms / 1000)} s: ${what} holds`);
  }

  /** A control: the deployment and load with no fault for `ms`; every ticket opened meanwhile is a false positive. */
  private async control(ms: number): Promise<void> {
    await this.h.events.next(() => false, { from: this.h.events.mark(), deadlineAt: Date.now() + ms, signal: this.signal });
    if (this.signal.aborted) throw new Interrupted();
    await this.load?.stop();
    this.load = undefined;
    this.outcome.unexpected = unexpectedTickets(this.h.events.since(this.from), []);
    if (this.outcome.unexpected.length) throw new Failure(`tickets with no fault injected: ${this.outcome.unexpected.map(describeTicket).join(", ")}`);
    this.step("quiet", `no fault, and nothing opened for ${Math.round(ms / 1000)} s`);
  }

  private async revertFaults(): Promise<void> {
    for (const record of this.injected.splice(0)) {
      const reverted = await this.h.revert(record.id);
      const seen = this.outcome.faults.find((f) => f.id === record.id);
      if (seen) seen.revertedAt = reverted.revertedAt ?? Date.now();
      if (reverted.status !== "reverted") throw new Failure(`fault #${record.id} ${record.fault} could not be reverted: ${reverted.error ?? reverted.status}`);
      this.step("reverted", `reverted ${record.fault} on ${record.target}`);
    }
    await this.load?.stop();
    this.load = undefined;
  }

  private async awaitAllClear(): Promise<void> {
    const mark = this.h.events.mark();
    const clear = await this.expectEvent("all clear (no violation, no open ticket)", (e) => e.type === "cycle" && e.data.violations === 0 && e.data.open_tickets === 0, Date.now() + this.settings.clearDeadlineMs, mark);
    this.outcome.allClearAt = clear.at;
    this.step("all_clear", "all clear: no violation, every ticket resolved");
  }

  private async teardown(): Promise<void> {
    const processes: (ProcessIdentity & { name: string })[] = this.h.record?.processes ?? [];
    const watchdog = recordedWatchdog(this.h.state);
    const stopped = await this.h.undeploy();
    const all = [...processes, ...(watchdog ? [{ ...watchdog, name: "chaos-watchdog" }] : [])];
    // The watchdog leaves by itself once no fault is active (within a tick).
    await waitFor(() => all.every((p) => !isSameProcess(p)), { timeoutMs: 5_000, intervalMs: 100 });
    this.outcome.stopped = all.map((p) => ({ name: p.name, pid: p.pid, outcome: stopped.find((s) => s.pid === p.pid)?.outcome ?? "gone", gone: !isSameProcess(p) }));
    const left = this.outcome.stopped.filter((p) => !p.gone);
    if (left.length) throw new Failure(`still running after teardown: ${left.map((p) => `${p.name} (pid ${p.pid})`).join(", ")}`);
    this.step("torn_down", `stopped ${all.length} processes; none is left running`);
  }

  /** After a failure: revert what this scenario injected and wait (bounded) for all clear, so the next one starts clean. */
  private async recover(): Promise<void> {
    if (this.signal.aborted) return;
    try {
      await this.revertFaults();
      if (this.h.deployed) await this.awaitAllClear();
    } catch {
      // the failure already reported says what went wrong first
    }
  }

  private async cleanUp(): Promise<void> {
    for (const record of this.injected.splice(0)) await this.h.revert(record.id).catch(() => {});
    await this.load?.stop();
  }
}

function describeLoad(w: Workload): string {
  const keys = w.key !== undefined ? `key ${w.key}` : `${w.keys ?? 1} keys (${w.keyDist ?? "uniform"})`;
  return `${w.rate} checks/s on ${keys}${w.burst ? `, bursts ${w.burst}` : ""}${w.cost && w.cost > 1 ? `, cost ${w.cost}` : ""}`;
}
