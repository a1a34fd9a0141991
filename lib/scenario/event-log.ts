// Everything a scenario run saw, in order: the monitor's events and the runner's own, each with the
// time it happened. Steps await the event they need with a deadline (never a fixed sleep).

export interface RunEvent {
  type: string;
  /** ms since the epoch */
  at: number;
  data: Record<string, any>;
}

interface Waiter {
  match: (e: RunEvent) => boolean;
  resolve: (e: RunEvent | undefined) => void;
}

export class EventLog {
  readonly events: RunEvent[] = [];
  private waiters: Waiter[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  push(type: string, data: Record<string, any>): RunEvent {
    const event = { type, at: this.now(), data };
    this.events.push(event);
    for (const w of this.waiters.splice(0)) (w.match(event) ? w.resolve(event) : this.waiters.push(w));
    return event;
  }

  /** Where the log ends now: `next(…, {from: mark()})` looks only at what happens after. */
  mark(): number {
    return this.events.length;
  }

  /** Events from index `from` on that match. */
  since(from: number, match: (e: RunEvent) => boolean = () => true): RunEvent[] {
    return this.events.slice(from).filter(match);
  }

  /**
   * The first event from index `from` on that matches, waiting for it until `deadlineAt` (ms since
   * the epoch): undefined once the deadline passes or `signal` fires.
   */
  next(match: (e: RunEvent) => boolean, options: { from: number; deadlineAt: number; signal?: AbortSignal }): Promise<RunEvent | undefined> {
    const seen = this.events.slice(options.from).find(match);
    if (seen) return Promise.resolve(seen);
    if (options.signal?.aborted || this.now() >= options.deadlineAt) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (event: RunEvent | undefined) => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", abort);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(event);
      };
      const abort = () => done(undefined);
      const waiter: Waiter = { match, resolve: done };
      const timer = setTimeout(abort, Math.max(0, options.deadlineAt - this.now()));
      options.signal?.addEventListener("abort", abort, { once: true });
      this.waiters.push(waiter);
    });
  }
}
