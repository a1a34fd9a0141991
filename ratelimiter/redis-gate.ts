// Every Redis call a node makes goes through the gate: held to the timeout, counted by the circuit
// breaker, timed for the metrics. The timeout is Redis's: a node that is merely busy never gives up
// a call whose answer Redis already sent (see createRedisGate).
import { admit, CLOSED, isClosed, recordFailure, recordSuccess, type BreakerPolicy, type BreakerState } from "./circuit-breaker.ts";
import { createSweep, type Deadline } from "./deadlines.ts";

/** Why a call did not get an answer from Redis. */
export class RedisUnavailableError extends Error {
  constructor(
    readonly reason: "circuit_open" | "timeout" | "error",
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "RedisUnavailableError";
  }
}

/** Runs one Redis call for a non-check endpoint: bounded wait, 503 when Redis is unavailable. */
export type RedisCall = <T>(call: () => Promise<T>) => Promise<T>;

export interface GateHooks {
  /** Seconds one call took, answered or failed. */
  observeCall(seconds: number): void;
  onError(error: unknown): void;
  /** The breaker closed (Redis is back) or left the closed phase (Redis is gone). */
  onAvailabilityChange(available: boolean): void;
}

export interface RedisGate {
  readonly breaker: BreakerState;
  readonly isAvailable: boolean;
  /** Whether a call may go now; when it returns true the call must be passed to `settle`. */
  tryEnter(): boolean;
  /** The call's answer, or RedisUnavailableError after the timeout or a connection failure. */
  settle<T>(call: Promise<T>, timeoutMs?: number): Promise<T>;
  /** `settle` for the hot path, with callbacks instead of a promise: one fewer per check. */
  await<T>(call: Promise<T>, onAnswer: (value: T) => void, onFailure: (error: unknown) => void): void;
  /** A liveness probe that goes whatever the breaker says (the background pinger). */
  probe<T>(call: () => Promise<T>): Promise<T>;
}

// Redis answered, but with an error that means "not available right now" (not "bad data").
const UNAVAILABLE_REPLY = /^(BUSY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|NOREPLICAS|MISCONF|OOM)\b/;

/** True when `error` says Redis cannot serve (timeouts, closed connections, BUSY, CLUSTERDOWN...). */
export function isUnavailability(error: unknown): boolean {
  if (error instanceof RedisUnavailableError) return true;
  if (!(error instanceof Error)) return true;
  // ioredis names a Redis error reply ReplyError; Bun's RedisClient gives it this code.
  const isReply = error.name === "ReplyError" || (error as { code?: string }).code === "ERR_REDIS_SERVER_ERROR";
  return !isReply || UNAVAILABLE_REPLY.test(error.message);
}

/**
 * Redis may take this long per call we have outstanding before its silence means "paused" rather
 * than "working through our backlog": 1 ms, about 30 times what one check script costs on an idle
 * core, so a starved Redis working through a 1,000-check burst is not mistaken for a stopped one.
 */
const BACKLOG_ALLOWANCE_MS = 1;
/**
 * Silence counts as "stopped" only past twice the longest silence a working Redis kept lately
 * (between two answers while calls were outstanding, over the last 5-10 s): a Redis that shares
 * a busy machine goes quiet for a scheduler's turn now and then. Capped, so a paused Redis is
 * still noticed within a second on the busiest machine.
 */
const GAP_FACTOR = 2;
const MAX_SILENCE_ALLOWANCE_MS = 1_000;
const GAP_WINDOW_MS = 5_000;
/**
 * Redis counts as slow (a slow link) once no call answered before its deadline for this many
 * timeouts (500 ms at 50 ms) while answers keep coming: a burst keeps a starved Redis busy for a
 * few hundred ms at most and the first answers of every burst come in time, while behind a link
 * slower than the timeout none ever does.
 */
const SLOW_WINDOWS = 10;

/** How often the sweep looks at pending calls: a fifth of the timeout, so a deadline is noticed within 20% of it. */
const sweepPeriod = (timeoutMs: number) => Math.max(1, Math.floor(timeoutMs / 5));

interface Waiter extends Deadline {
  readonly timeoutMs: number;
  readonly isProbe: boolean;
  /** The sweep saw it overdue while Redis was not to blame: it waits on, and its answer proves nothing fast. */
  overdueSeen: boolean;
  reject(error: unknown): void;
}

export interface GateOptions {
  timeoutMs: number;
  policy: BreakerPolicy;
  hooks: GateHooks;
  /**
   * A cheap call that needs what a check needs (a script on every master) over a connection that
   * carries none of the checks: it answers unless Redis itself is paused, gone or behind a slow link.
   */
  confirm: () => Promise<unknown>;
  now?: () => number;
}

/**
 * A call is given up only when Redis is to blame: it passed its deadline, the node has read its
 * sockets since, a probe on the control connection passed its own deadline the same way, and Redis
 * is either silent (no answer on any call past its silence allowance), slow (no call answered within
 * the timeout for SLOW_WINDOWS timeouts), or refused. While Redis answers, a call behind the node's
 * own backlog waits for its answer: a busy node never decides by its fail policy.
 */
export function createRedisGate(options: GateOptions): RedisGate {
  const { timeoutMs, policy, hooks, confirm } = options;
  const now = options.now ?? Date.now;
  let state: BreakerState = CLOSED;
  /** Redis is to blame: overdue calls are given up until a call answers within the timeout. */
  let late = false;
  let probing = false;
  let pending = 0;
  let lastAnswerAt = -Infinity;
  /** ms the node's loop ran late since the last answer: silence Redis cannot be blamed for. */
  let stalledMs = 0;
  // The longest silence between answers while calls were outstanding, this window and the last.
  let gapWindowStart = performance.now();
  let gapMax = 0;
  let previousGapMax = 0;
  let outstandingAtLastAnswer = false;

  /** `learn`: the gap ended with an answer from a working Redis (not one it was already blamed for). */
  function noteAnswer(at: number, learn: boolean): void {
    if (outstandingAtLastAnswer && learn) {
      if (at - gapWindowStart > GAP_WINDOW_MS) {
        previousGapMax = gapMax;
        gapMax = 0;
        gapWindowStart = at;
      }
      gapMax = Math.max(gapMax, at - lastAnswerAt - stalledMs);
    }
    lastAnswerAt = at;
    stalledMs = 0;
    outstandingAtLastAnswer = pending > 1;
  }

  /** How long Redis may stay silent, with calls outstanding, before it counts as stopped. */
  const silenceAllowanceMs = () =>
    Math.min(MAX_SILENCE_ALLOWANCE_MS, Math.max(timeoutMs + pending * BACKLOG_ALLOWANCE_MS, GAP_FACTOR * Math.max(gapMax, previousGapMax)));
  let lastInTimeAt = performance.now();

  const timeoutError = (ms: number) => new RedisUnavailableError("timeout", `Redis did not answer within ${ms} ms`);

  function record(ok: boolean, startedAt: number): void {
    hooks.observeCall((performance.now() - startedAt) / 1000);
    if (ok && state === CLOSED) return; // the common case: nothing changes
    const before = isClosed(state);
    state = ok ? recordSuccess(state) : recordFailure(state, now(), policy);
    if (before !== isClosed(state)) hooks.onAvailabilityChange(isClosed(state));
  }

  function expire(waiter: Waiter): void {
    waiter.done = true;
    pending--;
    const error = timeoutError(waiter.timeoutMs);
    record(false, waiter.startedAt);
    hooks.onError(error);
    waiter.reject(error);
  }

  const sweep = createSweep<Waiter>(sweepPeriod(timeoutMs), {
    onStall(ms) {
      stalledMs += ms;
    },
    onSweep(oldestAgeMs) {
      // A call waits longer than a sweep: ask Redis directly, so a verdict is ready by its deadline.
      if (oldestAgeMs >= sweepPeriod(timeoutMs) && !late && !probing) startProbe();
    },
    judge(overdue) {
      if (!late && overdue.some((waiter) => waiter.isProbe)) {
        const silentMs = performance.now() - lastAnswerAt - stalledMs;
        const slow = performance.now() - lastInTimeAt > SLOW_WINDOWS * timeoutMs;
        if (silentMs > silenceAllowanceMs() || slow) late = true;
      }
      for (const waiter of overdue) {
        if (late) expire(waiter);
        else waiter.overdueSeen = true;
      }
    },
  });

  /** Calls `resolve` with the answer, or `reject` once (an error, or given up); nothing is allocated but the waiter. */
  function track<T>(call: Promise<T>, ms: number, isProbe: boolean, resolve: (value: T) => void, reject: (error: unknown) => void): void {
    const startedAt = performance.now();
    const waiter: Waiter = { startedAt, deadline: startedAt + ms, done: false, timeoutMs: ms, isProbe, overdueSeen: false, reject };
    pending++;
    sweep.track(waiter, ms);
    call.then(
      (value) => {
        noteAnswer(performance.now(), !waiter.done && !late);
        if (waiter.done) {
          // A late answer: the breaker counted this call as failed already. Redis may be back
          // (a pause just ended): ask at once rather than at the next background probe.
          if (!isClosed(state) && !probing) startProbe();
          return;
        }
        waiter.done = true;
        pending--;
        // An answer within a check's budget, before any sweep saw it overdue: Redis keeps up.
        if (ms <= timeoutMs && !waiter.overdueSeen) {
          late = false;
          lastInTimeAt = lastAnswerAt;
        }
        record(true, startedAt);
        resolve(value);
      },
      (error: unknown) => {
        if (waiter.done) return;
        waiter.done = true;
        pending--;
        hooks.onError(error);
        const unavailable = isUnavailability(error);
        if (unavailable) late = true;
        record(!unavailable, startedAt);
        reject(unavailable ? new RedisUnavailableError("error", `Redis failed: ${(error as Error)?.message ?? error}`, { cause: error }) : error);
      },
    );
  }

  const settle = <T>(call: Promise<T>, ms: number, isProbe: boolean) => new Promise<T>((resolve, reject) => track(call, ms, isProbe, resolve, reject));

  function startProbe(): void {
    probing = true;
    let call: Promise<unknown>;
    try {
      call = confirm();
    } catch (error) {
      call = Promise.reject(error);
    }
    const done = () => (probing = false);
    track(call, timeoutMs, true, done, done);
  }

  return {
    get breaker() {
      return state;
    },
    get isAvailable() {
      return isClosed(state);
    },
    tryEnter() {
      const next = admit(state, now());
      if (next === null) return false;
      state = next;
      return true;
    },
    settle: (call, ms = timeoutMs) => settle(call, ms, false),
    await: (call, onAnswer, onFailure) => track(call, timeoutMs, false, onAnswer, onFailure),
    probe: (call) => settle(call(), timeoutMs, false),
  };
}
