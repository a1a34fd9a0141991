import { describe, expect, test } from "bun:test";
import { clearAfterMs, gracePolicy, stepTrack, type GracePolicy, type StepKind, type Track } from "./grace-period.ts";

/** Runs one key through a pattern of observations, one per `stepMs`, and returns the step kinds. */
function run(pattern: string, policy: GracePolicy, stepMs = 1_000, start: Track | undefined = undefined): (StepKind | "-")[] {
  let track = start;
  const kinds: (StepKind | "-")[] = [];
  [...pattern].forEach((c, i) => {
    const step = stepTrack(track, c === "x", i * stepMs, policy);
    kinds.push(step?.kind ?? "-");
    track = step?.track;
  });
  return kinds;
}

describe("grace period", () => {
  const policy = { graceMs: 3_000, clearMs: 2_000 };

  test("a violation opens a ticket only once it has held for its grace", () => {
    expect(run("xxxxx", policy)).toEqual(["pending", "pending", "pending", "open", "held"]);
  });

  test("a violation that ends within its grace opens nothing and is forgotten after clearMs", () => {
    expect(run("xx....", policy)).toEqual(["pending", "pending", "clearing", "clearing", "forget", "-"]);
  });

  test("zero grace opens on the first observation", () => {
    expect(run("x", { graceMs: 0, clearMs: 0 })).toEqual(["open"]);
  });

  test("nothing observed, nothing tracked", () => {
    expect(stepTrack(undefined, false, 0, policy)).toBeUndefined();
  });
});

describe("hysteresis", () => {
  const policy = { graceMs: 2_000, clearMs: 3_000 };

  test("a fault that blinks every other cycle is one ticket that stays open", () => {
    expect(run("xxx.x.x.x.x", policy)).toEqual(["pending", "pending", "open", "clearing", "held", "clearing", "held", "clearing", "held", "clearing", "held"]);
  });

  test("a blinking fault still reaches its grace: short gaps do not restart the episode", () => {
    expect(run("x.x.x", policy)).toEqual(["pending", "clearing", "open", "clearing", "held"]);
  });

  test("a ticket resolves only after clearMs of continuous clear, then a recurrence is a new episode", () => {
    expect(run("xxx....xxx", policy)).toEqual([
      "pending", "pending", "open", "clearing", "clearing", "clearing", "resolve", "pending", "pending", "open",
    ]);
  });

  test("a reappearance during clearing restarts the clear spell", () => {
    expect(run("xxx..x..x...", policy)).toEqual([
      "pending", "pending", "open", "clearing", "clearing", "held", "clearing", "clearing", "held", "clearing", "clearing", "clearing",
    ]);
  });

  test("a ticket carried over from a previous monitor resolves when clear, and is held when not", () => {
    const carried: Track = { firstSeenAt: -60_000, lastSeenAt: -60_000, ticketed: true };
    expect(run("x", policy, 1_000, carried)).toEqual(["held"]);
    expect(run("....", policy, 1_000, carried)).toEqual(["clearing", "clearing", "clearing", "resolve"]);
  });
});

describe("policy", () => {
  test("clearing takes at least two cycles, and at least the grace", () => {
    expect([clearAfterMs(0, 2_000), clearAfterMs(30_000, 2_000), clearAfterMs(1_000, 2_000)]).toEqual([4_000, 30_000, 4_000]);
  });

  test("--grace-scale multiplies the grace; --once ignores grace both ways", () => {
    expect(gracePolicy(10_000, { graceScale: 0.1, intervalMs: 500, once: false })).toEqual({ graceMs: 1_000, clearMs: 1_000 });
    expect(gracePolicy(10_000, { graceScale: 2, intervalMs: 2_000, once: false })).toEqual({ graceMs: 20_000, clearMs: 20_000 });
    expect(gracePolicy(10_000, { graceScale: 1, intervalMs: 2_000, once: true })).toEqual({ graceMs: 0, clearMs: 0 });
  });
});
