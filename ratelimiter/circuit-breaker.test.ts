import { describe, expect, test } from "bun:test";
import { admit, CLOSED, recordFailure, recordSuccess, type BreakerState } from "./circuit-breaker.ts";

const policy = { failureThreshold: 3, probeIntervalMs: 500 };

function failTimes(state: BreakerState, times: number, now: number): BreakerState {
  for (let i = 0; i < times; i++) state = recordFailure(state, now, policy);
  return state;
}

describe("circuit breaker", () => {
  test("stays closed below the threshold and lets every call through", () => {
    const state = failTimes(CLOSED, 2, 1_000);
    expect(state).toEqual({ phase: "closed", failures: 2, probeAt: 0 });
    expect(admit(state, 1_000)).toBe(state);
  });

  test("a success resets the count of failures in a row", () => {
    const state = failTimes(recordSuccess(failTimes(CLOSED, 2, 1_000)), 2, 1_001);
    expect(state.phase).toBe("closed");
  });

  test("opens at the threshold and refuses calls until the probe is due", () => {
    const open = failTimes(CLOSED, 3, 1_000);
    expect(open).toEqual({ phase: "open", failures: 3, probeAt: 1_500 });
    expect(admit(open, 1_499)).toBeNull();
    expect(admit(open, 1_500)).toEqual({ phase: "half-open", failures: 3, probeAt: 1_500 });
  });

  test("while a probe is in flight other calls stay away; its outcome decides", () => {
    const probing = admit(failTimes(CLOSED, 3, 1_000), 2_000)!;
    expect(admit(probing, 2_001)).toBeNull();
    expect(recordSuccess(probing)).toBe(CLOSED);
    expect(recordFailure(probing, 2_050, policy)).toEqual({ phase: "open", failures: 4, probeAt: 2_550 });
  });

  test("closed admits without allocating a new state", () => {
    expect(admit(CLOSED, 0)).toBe(CLOSED);
  });
});
