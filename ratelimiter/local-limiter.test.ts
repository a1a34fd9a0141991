import { describe, expect, test } from "bun:test";
import { LocalLimiter, shareOf } from "./local-limiter.ts";

describe("local limiter", () => {
  test("a node's share is the limit split over the registered nodes, at least 1", () => {
    expect([shareOf(100, 3), shareOf(100, 0), shareOf(2, 5)]).toEqual([33, 100, 1]);
  });

  test("admits exactly the share in one burst, then says when to retry", () => {
    const limiter = new LocalLimiter();
    const decisions = Array.from({ length: 40 }, () => limiter.check("k", 1, 100, 60_000, 3, 1_000));
    expect(decisions.filter((d) => d.allowed).length).toBe(33);
    expect(decisions.at(-1)).toEqual({ allowed: false, share: 33, remaining: 0, resetMs: 60_000, retryAfterMs: 1819 });
  });

  test("gives units back as time passes", () => {
    const limiter = new LocalLimiter();
    for (let i = 0; i < 10; i++) limiter.check("k", 1, 10, 10_000, 1, 0);
    expect(limiter.check("k", 1, 10, 10_000, 1, 500).allowed).toBe(false);
    expect(limiter.check("k", 1, 10, 10_000, 1, 1_000).allowed).toBe(true);
  });

  test("a cost above the share is denied with retry -1", () => {
    expect(new LocalLimiter().check("k", 5, 8, 1_000, 2, 0)).toEqual({ allowed: false, share: 4, remaining: 4, resetMs: 0, retryAfterMs: -1 });
  });

  test("memory stays bounded", () => {
    const limiter = new LocalLimiter(100);
    for (let i = 0; i < 1_000; i++) limiter.check(`k${i}`, 1, 10, 60_000, 1, 0);
    expect(limiter.size).toBe(100);
  });
});
