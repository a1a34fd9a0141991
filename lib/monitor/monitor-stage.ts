// The monitor's extension point: stages that run after a cycle's tickets are written (diagnosis,
// the action gate, verification). The loop knows only this interface, never what a stage does.
import type { State } from "../state/state.ts";
import type { Subject, Violation } from "../subject/subject.ts";
import type { Ticket } from "./tickets.ts";

/** Streams one monitor event (`diagnosis`, `action_proposed`, …): snake_case data; `human` for the terminal. */
export type EmitEvent = (type: string, data: Record<string, unknown>, human?: string) => void;

/** What a stage sees of one cycle. Plain data; a stage must not keep it past its call. */
export interface CycleContext<O = unknown> {
  subject: Subject<O>;
  state: State;
  /** 1-based cycle number of this monitor run. */
  cycle: number;
  /** When the cycle started (ms). */
  now: number;
  /** `--once`: a single cycle with grace ignored; a stage should finish its work before returning. */
  once: boolean;
  /** This cycle's observation; undefined when observing failed. */
  observation: O | undefined;
  /** Every violation holding this cycle, ticketed or not. */
  violations: Violation[];
  /** Open tickets of this subject after this cycle's transitions. */
  openTickets: Ticket[];
  /** Recent successful observations, oldest first, this one last. */
  history: { at: number; observation: O }[];
  emit: EmitEvent;
  /** Aborted when the monitor stops (SIGINT/SIGTERM). */
  signal: AbortSignal;
}

/**
 * A stage of the monitor pipeline. Hooks are awaited in order, stage by stage, after the cycle's
 * tickets are committed; a hook that throws becomes an `error` event and the loop goes on. A slow
 * hook delays the next cycle, so a stage bounds its own time (or hands work off and returns).
 */
export interface MonitorStage<O = unknown> {
  name: string;
  /**
   * Once per cycle after the invariants are checked and before tickets are written (`openTickets`
   * are those from before this cycle): what must be known for a ticket about to open (which
   * incident's cause explains it) is settled here.
   */
  beforeTickets?(context: CycleContext<O>): Promise<void>;
  /** A ticket this monitor just opened (not one it carried on from an earlier run). */
  onTicketOpened?(ticket: Ticket, context: CycleContext<O>): Promise<void>;
  onTicketResolved?(ticket: Ticket, context: CycleContext<O>): Promise<void>;
  /** Once per cycle, after the ticket hooks, also when observing failed. */
  afterCycle?(context: CycleContext<O>): Promise<void>;
  /** When the monitor stops. */
  close?(): Promise<void>;
}
