// Deadlines for calls to Redis, judged fairly to Redis: no timer per call, one sweep while calls
// are pending. A call whose deadline passed is only judged once the node has read its sockets
// after the deadline (one more timer hop lets the event loop poll first), so a reply that already
// sits on the socket while the node's own loop runs late is read, never blamed on Redis.

/** One pending call. */
export interface Deadline {
  readonly startedAt: number;
  readonly deadline: number;
  /** Set once the call answered or was given up; the sweep then forgets it. */
  done: boolean;
}

export interface SweepJudge<T extends Deadline> {
  /** The event loop ran this many ms later than the sweep asked: time the node, not Redis, lost. */
  onStall(ms: number): void;
  /** Each sweep: the age (ms) of the oldest pending call, or -1 when none is pending. */
  onSweep(oldestAgeMs: number): void;
  /** After an I/O turn: every call past its deadline and still not answered. */
  judge(overdue: T[]): void;
}

export interface Sweep<T extends Deadline> {
  /** Calls of one timeout arrive in deadline order: one FIFO per timeout. */
  track(entry: T, timeoutMs: number): void;
}

/** A FIFO with a moving head; answered calls at the head are dropped on each sweep. */
class Queue<T extends Deadline> {
  private items: T[] = [];
  private head = 0;

  push(entry: T): void {
    this.items.push(entry);
  }

  /** The oldest call still pending, after dropping answered ones. */
  oldest(): T | undefined {
    while (this.head < this.items.length && this.items[this.head]!.done) this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return this.items[this.head];
  }

  collectOverdue(now: number, into: T[]): void {
    for (let i = this.head; i < this.items.length; i++) {
      const entry = this.items[i]!;
      if (entry.deadline > now) break;
      if (!entry.done) into.push(entry);
    }
  }
}

/** Sweeps every `periodMs` while calls are pending; judges overdue calls one timer hop later. */
export function createSweep<T extends Deadline>(periodMs: number, judge: SweepJudge<T>, now: () => number = () => performance.now()): Sweep<T> {
  const queues = new Map<number, Queue<T>>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let confirming = false;
  let lastSweepAt = 0;
  let confirmAskedAt = 0;

  function confirm(): void {
    confirming = false;
    const at = now();
    if (at - confirmAskedAt > 1) judge.onStall(at - confirmAskedAt - 1);
    const overdue: T[] = [];
    for (const queue of queues.values()) queue.collectOverdue(at, overdue);
    if (overdue.length > 0) judge.judge(overdue);
  }

  function sweep(): void {
    const at = now();
    if (at - lastSweepAt > periodMs) judge.onStall(at - lastSweepAt - periodMs);
    lastSweepAt = at;
    let oldestStart = Infinity;
    let overdue = false;
    for (const queue of queues.values()) {
      const first = queue.oldest();
      if (!first) continue;
      oldestStart = Math.min(oldestStart, first.startedAt);
      if (first.deadline <= at) overdue = true;
    }
    if (oldestStart === Infinity) {
      clearInterval(timer);
      timer = undefined;
      judge.onSweep(-1);
      return;
    }
    judge.onSweep(at - oldestStart);
    // Not now: this timer may have run late, with replies still unread on the socket.
    if (overdue && !confirming) {
      confirming = true;
      confirmAskedAt = at;
      setTimeout(confirm, 0);
    }
  }

  return {
    track(entry, timeoutMs) {
      let queue = queues.get(timeoutMs);
      if (!queue) queues.set(timeoutMs, (queue = new Queue<T>()));
      queue.push(entry);
      if (!timer) {
        lastSweepAt = now();
        timer = setInterval(sweep, periodMs);
        timer.unref?.();
      }
    },
  };
}
