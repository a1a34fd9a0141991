// The monitor stage that responds to incidents: diagnose each new incident once (through the ticket
// that opened it), let the diagnosis merge what its cause explains, propose what it recommends,
// pass pending actions through the gate every cycle (obeying the mode and the kill switch within
// one cycle), run what may run exactly once, and verify that the ticket's violation cleared.
import { runApprovedAction, reviewInterrupted } from "../actions/action-runner.ts";
import { actionJson, listActions, PENDING_STATUSES, recordVerification, transitionAction, type ActionRecord } from "../actions/action-store.ts";
import { decide, type AutoApprove } from "../actions/gate.ts";
import { expireProposals } from "../actions/proposal-expiry.ts";
import { getMode, recordMonitorCycle } from "../actions/settings.ts";
import { verificationOutcome } from "../actions/verification.ts";
import { causeExplains } from "../diagnosis/builtin-engine.ts";
import { adoptDiagnosis } from "../incidents/incident-diagnosis.ts";
import { diagnosisJson, renderDiagnosis, type DiagnosisEngine } from "../diagnosis/diagnosis.ts";
import { saveDiagnosis } from "../diagnosis/diagnosis-store.ts";
import { incidentOfTicket, incidentTickets, listIncidents, refreshExplains } from "../incidents/incidents.ts";
import type { State } from "../state/state.ts";
import { violationKey, type Subject, type Violation } from "../subject/subject.ts";

/** What this stage reads of a ticket (the monitor's Ticket has more). */
export interface TicketView {
  id: number;
  invariant: string;
  resource: string;
  severity: string;
  lastMessage: string;
  lastEvidence: Record<string, unknown>;
}

/** What this stage reads of a monitor cycle (the monitor's CycleContext). */
export interface CycleView<O = unknown> {
  subject: Subject<O>;
  state: State;
  now: number;
  once: boolean;
  observation: O | undefined;
  violations: Violation[];
  openTickets: TicketView[];
  history: { at: number; observation: O }[];
  emit: (type: string, data: Record<string, unknown>, human?: string) => void;
  signal: AbortSignal;
}

export interface ResponseStageOptions {
  /** Diagnose each new ticket (`--diagnose`). */
  diagnose: boolean;
  engine: DiagnosisEngine;
  subjectDescription?: string;
  autoApprove: AutoApprove;
  /** Longest one action may run, ms. */
  actionTimeoutMs: number;
  /** How long a ticket's violation has to clear after its action, ms. */
  verifyWithinMs: number;
  /** How long a proposal waits for a person before it expires, ms (default DEFAULT_PROPOSAL_TTL_MS). */
  proposalTtlMs?: number;
  /** Who the monitor is in the audit log. */
  actor?: string;
  clock?: () => number;
}

const ticketRef = (t: TicketView) => ({ id: t.id, invariant: t.invariant, resource: t.resource, severity: t.severity });

export function actionLine(a: ActionRecord, extra = ""): string {
  return `action #${a.id} ${a.status}: ${a.name} ${JSON.stringify(a.params)} (${a.risk} risk${a.ticketId !== null ? `, ticket #${a.ticketId}` : ""})${extra}`;
}

export function createResponseStage<O>(options: ResponseStageOptions) {
  const actor = options.actor ?? "monitor";
  const clock = options.clock ?? Date.now;
  const background = new Set<Promise<void>>();
  let started = false;
  let queue: Promise<void> = Promise.resolve();

  /** What each open incident's cause explains in this cycle: a ticket about to open among them joins it. */
  function refreshCauses(ctx: CycleView<O>): void {
    if (ctx.observation === undefined) return;
    for (const incident of listIncidents(ctx.state, { subject: ctx.subject.name, status: "open" })) {
      if (!incident.rootCause) continue;
      const now = causeExplains(ctx as CycleView<unknown>, incident.rootCause.component, incident.rootCause.faultClass);
      if (now.some((k) => !incident.explains.includes(k))) refreshExplains(ctx.state, incident.id, [...incident.explains, ...now]);
    }
  }

  /** Once per monitor run: what a dead predecessor left executing goes to a person, never reruns. */
  function begin(ctx: CycleView<O>): void {
    if (started) return;
    started = true;
    for (const action of reviewInterrupted(ctx.state, actor, clock())) {
      ctx.emit("action_finished", { action: actionJson(action) }, actionLine(action, ": found executing after a crash, left for a person to review"));
    }
  }

  /** Diagnoses the incident `ticket` opened, unless it joined one or a diagnosis already merged it. */
  async function diagnoseIncident(ticket: TicketView, ctx: CycleView<O>): Promise<void> {
    const incident = incidentOfTicket(ctx.state, ticket.id);
    if (incident && (incident.status !== "open" || incident.diagnosis !== null)) return;
    const diagnosis = await options.engine.diagnose(
      {
        ticket: { id: ticket.id, invariant: ticket.invariant, resource: ticket.resource, severity: ticket.severity, message: ticket.lastMessage, evidence: ticket.lastEvidence },
        subject: ctx.subject,
        subjectDescription: options.subjectDescription,
        violations: ctx.violations,
        observation: ctx.observation as O,
        history: ctx.history,
        now: ctx.now,
      },
      ctx.signal,
    );
    saveDiagnosis(ctx.state, diagnosis, clock());
    const json = diagnosisJson(diagnosis);
    const { incidentId, proposals } = adoptDiagnosis({ ...ctx, diagnosis, observation: ctx.observation as O, now: clock(), propose: true, ...(options.proposalTtlMs !== undefined ? { ttlMs: options.proposalTtlMs } : {}) });
    ctx.emit("diagnosis", { ticket: ticketRef(ticket), incident_id: incidentId, diagnosis: json }, renderDiagnosis(json));
    const mode = getMode(ctx.state).mode;
    for (const { record, created } of proposals) {
      if (!created) continue;
      const gate = decide({ kind: "action", risk: record.risk, status: record.status, mode, autoApprove: options.autoApprove });
      ctx.emit("action_proposed", { action: actionJson(record), gate: gate.verdict, reason: gate.reason }, actionLine(record, `: ${gate.reason}`));
    }
  }

  const cancel = (action: ActionRecord, why: string, ctx: CycleView<O>) => {
    const cancelled = transitionAction(ctx.state, action.id, { to: "cancelled", actor, why, now: clock() });
    if (cancelled) ctx.emit("action_finished", { action: actionJson(cancelled) }, actionLine(cancelled, `: ${why}`));
  };

  async function passGate(action: ActionRecord, open: ReadonlyMap<number, string>, ctx: CycleView<O>): Promise<void> {
    // An action serves its incident: it stays while any ticket of that incident is open.
    const incident = action.ticketId !== null ? incidentOfTicket(ctx.state, action.ticketId) : undefined;
    const settled = incident ? incident.status !== "open" : action.ticketId !== null && !open.has(action.ticketId);
    if (settled) return cancel(action, `${incident ? `incident #${incident.id}` : `ticket #${action.ticketId}`} is resolved: nothing left to fix`, ctx);
    // Read for every action: a kill switch or `mode observe` takes effect before the next one runs.
    const mode = getMode(ctx.state).mode;
    const gate = decide({ kind: "action", risk: action.risk, status: action.status, mode, autoApprove: options.autoApprove });
    let ready: ActionRecord | undefined = action;
    if (gate.verdict === "auto_approve") ready = transitionAction(ctx.state, action.id, { to: "approved", actor: "gate", why: gate.reason, now: clock() });
    else if (gate.verdict !== "run") return;
    if (!ready) return;
    // Just before running: the violation it was proposed for (for an incident's action, one of its
    // open tickets' violations) must still hold in this cycle's check: an approval given late must
    // not act on a system that has moved on. Only an observation that succeeded shows a violation
    // gone; a failed one (the subject got worse, not better) is no reason to hold back the remedy.
    const keys = incident
      ? incidentTickets(ctx.state, incident.id).filter((t) => t.status === "open").map((t) => t.key)
      : action.ticketId !== null ? [open.get(action.ticketId)!] : [];
    if (ctx.observation !== undefined && keys.length > 0 && !ctx.violations.some((v) => keys.includes(violationKey(v)))) {
      return cancel(ready, `${keys.join(", ")} no longer ${keys.length > 1 ? "hold" : "holds"}: not run`, ctx);
    }
    const done = await runApprovedAction(ctx.state, ctx.subject, ready, { actor, now: clock, timeoutMs: options.actionTimeoutMs, verifyWithinMs: options.verifyWithinMs, signal: ctx.signal });
    if (done) ctx.emit("action_finished", { action: actionJson(done) }, actionLine(done, `: ${done.result?.message ?? ""}`));
  }

  function verify(ctx: CycleView<O>): void {
    const open = new Map(ctx.openTickets.map((t) => [t.id, violationKey(t)]));
    const holding = new Set(ctx.violations.map(violationKey));
    for (const action of listActions(ctx.state, { subject: ctx.subject.name, statuses: ["succeeded"] })) {
      if (action.verification !== "pending" || action.ticketId === null || action.verifyBy === null) continue;
      const key = open.get(action.ticketId);
      // A failed observation cannot show the violation cleared; a resolved ticket shows it did.
      const stillViolated = key === undefined ? false : ctx.observation === undefined || holding.has(key);
      const outcome = verificationOutcome({ stillViolated, now: ctx.now, verifyBy: action.verifyBy });
      if (outcome === "pending") continue;
      const why = outcome === "verified" ? `${key ?? `ticket #${action.ticketId}`} cleared after the action` : `${key} still holds ${options.verifyWithinMs} ms after the action`;
      const recorded = recordVerification(ctx.state, action.id, outcome, actor, why, clock());
      if (recorded) ctx.emit("action_verified", { action: actionJson(recorded), verification: outcome }, actionLine(recorded, `: ${outcome.replace("_", " ")}: ${why}`));
    }
  }

  return {
    name: "response",
    async onTicketOpened(ticket: TicketView, ctx: CycleView<O>): Promise<void> {
      begin(ctx);
      if (!options.diagnose) return;
      if (options.engine.name === "builtin" || ctx.once) return diagnoseIncident(ticket, ctx);
      // A remote engine may take its whole time budget: it must not hold up the loop. Diagnoses
      // queue one after another, so a burst of tickets one cause explains costs one diagnosis.
      const task = queue.then(() => diagnoseIncident(ticket, ctx)).catch((error) =>
        ctx.emit("error", { source: "stage", stage: "response", message: error instanceof Error ? error.message : String(error) }, `error (diagnosis of ticket #${ticket.id}): ${error}`),
      );
      queue = task;
      background.add(task);
      void task.finally(() => background.delete(task));
    },
    async beforeTickets(ctx: CycleView<O>): Promise<void> {
      refreshCauses(ctx);
    },
    async afterCycle(ctx: CycleView<O>): Promise<void> {
      begin(ctx);
      for (const expired of expireProposals(ctx.state, ctx.subject.name, clock())) {
        ctx.emit("action_finished", { action: actionJson(expired) }, actionLine(expired, ": expired unapproved"));
      }
      const open = new Map(ctx.openTickets.map((t) => [t.id, violationKey(t)]));
      for (const action of listActions(ctx.state, { subject: ctx.subject.name, statuses: PENDING_STATUSES })) {
        if (ctx.signal.aborted) return;
        await passGate(action, open, ctx);
      }
      verify(ctx);
      recordMonitorCycle(ctx.state, { subject: ctx.subject.name, pid: process.pid, at: clock() });
    },
    async close(): Promise<void> {
      await Promise.allSettled([...background]);
    },
  };
}
