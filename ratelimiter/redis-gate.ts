// Every Redis call a node makes goes through the gate: raced against the timeout, counted by the
// circuit breaker, timed for the metrics. A node never waits on Redis longer than the timeout.
import { admit, CLOSED, isClosed, recordFailure, recordSuccess, type BreakerPolicy, type BreakerState } from "./circuit-breaker.ts";

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
  /** A liveness probe that goes whatever the breaker says (the background pinger). */
  probe<T>(call: () => Promise<T>): Promise<T>;
}

// Redis answered, but with an error that means "not available right now" (not "bad data").
const UNAVAILABLE_REPLY = /^(BUSY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|NOREPLICAS|MISCONF|OOM)\b/;

/** True when `error` says Redis cannot serve (timeouts, closed connections, BUSY, CLUSTERDOWN...). */
export function isUnavailability(error: unknown): boolean {
  if (error instanceof RedisUnavailableError) return true;
  if (!(error instanceof Error)) return true;
  return error.name !== "ReplyError" || UNAVAILABLE_REPLY.test(error.message);
}

export function createRedisGate(options: { timeoutMs: number; policy: BreakerPolicy; hooks: GateHooks; now?: () => number }): RedisGate {
  const { timeoutMs, policy, hooks } = options;
  const now = options.now ?? Date.now;
  let state: BreakerState = CLOSED;

  const timeoutError = (ms: number) => new RedisUnavailableError("timeout", `Redis did not answer within ${ms} ms`);

  function record(ok: boolean, startedAt: number): void {
    const before = isClosed(state);
    state = ok ? recordSuccess(state) : recordFailure(state, now(), policy);
    hooks.observeCall((performance.now() - startedAt) / 1000);
    if (before !== isClosed(state)) hooks.onAvailabilityChange(isClosed(state));
  }

  function race<T>(call: Promise<T>, ms: number): Promise<T> {
    const startedAt = performance.now();
    let timedOut = false;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        timedOut = true;
        const error = timeoutError(ms);
        record(false, startedAt);
        hooks.onError(error);
        reject(error);
      }, ms);
      call.then(
        (value) => {
          if (timedOut) return; // a late answer: the breaker counted this call as failed already
          clearTimeout(timer);
          record(true, startedAt);
          resolve(value);
        },
        (error: unknown) => {
          if (timedOut) return;
          clearTimeout(timer);
          hooks.onError(error);
          const unavailable = isUnavailability(error);
          record(!unavailable, startedAt);
          reject(unavailable ? new RedisUnavailableError("error", `Redis failed: ${(error as Error)?.message ?? error}`, { cause: error }) : error);
        },
      );
    });
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
    settle: (call, ms = timeoutMs) => race(call, ms),
    probe: (call) => race(call(), timeoutMs),
  };
}
