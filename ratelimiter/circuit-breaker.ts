// The circuit breaker around Redis, as pure decisions: `now` comes in, the next state comes out.
// Closed: every call goes to Redis. After `failureThreshold` failures in a row it opens: calls stay
// away from Redis (the fail policy decides at once) until `probeIntervalMs` has passed; then one
// call goes as a probe (half-open) and its outcome closes the breaker or opens it again.

export interface BreakerPolicy {
  failureThreshold: number;
  probeIntervalMs: number;
}

export interface BreakerState {
  readonly phase: "closed" | "open" | "half-open";
  /** Failures in a row while closed. */
  readonly failures: number;
  /** When open: the earliest time (ms) a probe may go. */
  readonly probeAt: number;
}

export const CLOSED: BreakerState = Object.freeze({ phase: "closed", failures: 0, probeAt: 0 });

/**
 * The state to continue with when a call may go to Redis now, or null when it must not.
 * Returns `state` itself while closed, so the common path allocates nothing.
 */
export function admit(state: BreakerState, now: number): BreakerState | null {
  if (state.phase === "closed") return state;
  if (state.phase === "open" && now >= state.probeAt) return { phase: "half-open", failures: state.failures, probeAt: state.probeAt };
  return null;
}

export function recordSuccess(_state: BreakerState): BreakerState {
  return CLOSED;
}

export function recordFailure(state: BreakerState, now: number, policy: BreakerPolicy): BreakerState {
  const failures = state.failures + 1;
  if (state.phase === "closed" && failures < policy.failureThreshold) return { phase: "closed", failures, probeAt: 0 };
  return { phase: "open", failures, probeAt: now + policy.probeIntervalMs };
}

/** Whether calls currently reach Redis (a half-open probe is in flight: not yet). */
export const isClosed = (state: BreakerState) => state.phase === "closed";
