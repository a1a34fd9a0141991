import { describe, expect, test } from "bun:test";
import { createRedisGate, RedisUnavailableError } from "./redis-gate.ts";

const never = () => new Promise<never>(() => {});
const later = <T>(value: T, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

function replyError(message: string): Error {
  const error = new Error(message);
  error.name = "ReplyError";
  return error;
}

function gateAt(clock: { now: number }, confirm: () => Promise<unknown> = never) {
  const events: string[] = [];
  const gate = createRedisGate({
    timeoutMs: 5,
    confirm,
    policy: { failureThreshold: 3, probeIntervalMs: 500 },
    now: () => clock.now,
    hooks: { observeCall: () => {}, onError: (e) => events.push(`error ${(e as Error).message}`), onAvailabilityChange: (up) => events.push(up ? "up" : "down") },
  });
  return { gate, events };
}


describe("redis gate", () => {
  test("an answer passes through", async () => {
    const { gate } = gateAt({ now: 0 });
    expect(gate.tryEnter()).toBe(true);
    expect(await gate.settle(Promise.resolve("PONG"))).toBe("PONG");
  });

  test("a call that never answers, while Redis answers no probe either, is given up after the timeout; failures open the breaker", async () => {
    const clock = { now: 1_000 };
    const { gate, events } = gateAt(clock);
    // Each given-up call counts, and so does the probe that found Redis silent: at most 3 calls go.
    for (let i = 0; i < 3 && gate.tryEnter(); i++) {
      const error = await gate.settle(never()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect((error as RedisUnavailableError).reason).toBe("timeout");
    }
    expect(gate.isAvailable).toBe(false);
    expect(events).toContain("down");
    expect(events.filter((e) => e !== "down").every((e) => e === "error Redis did not answer within 5 ms")).toBe(true);
    expect(gate.tryEnter()).toBe(false);
    clock.now += 500;
    expect(gate.tryEnter()).toBe(true); // the probe
    expect(gate.tryEnter()).toBe(false);
    await gate.settle(Promise.resolve("OK"));
    expect(gate.isAvailable).toBe(true);
    expect(events.at(-1)).toBe("up");
  });

  test("a call behind the node's own backlog waits for its answer while Redis answers probes in time", async () => {
    const { gate, events } = gateAt({ now: 0 }, () => Promise.resolve(1));
    // 8x the timeout: as long as a loaded node may take to read a reply Redis sent at once
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => gate.settle(later(`reply ${i}`, 40))));
    expect(answers).toEqual(["reply 0", "reply 1", "reply 2", "reply 3", "reply 4"]);
    expect(events).toEqual([]);
    expect(gate.isAvailable).toBe(true);
  });

  test("answers that keep coming but never within the timeout (a slow link) get calls given up", async () => {
    // Every call and probe takes 12 ms against a 5 ms timeout, as behind a slow link; a new call
    // every 2 ms, so answers keep coming and Redis is never silent: only "slow" can give them up.
    const { gate } = gateAt({ now: 0 }, () => later(1, 12));
    await gate.settle(Promise.resolve("in time"));
    const outcomes: Promise<string>[] = [];
    const startedAt = performance.now();
    while (performance.now() - startedAt < 300) {
      outcomes.push(gate.settle(later("answer", 12)).then(() => "answered", () => "given up"));
      await Bun.sleep(2);
    }
    expect(await Promise.all(outcomes)).toContain("given up");
  });

  test("a data error (WRONGTYPE) is passed on as is and does not count against Redis", async () => {
    const { gate } = gateAt({ now: 0 });
    for (let i = 0; i < 5; i++) {
      const error = await gate.settle(Promise.reject(replyError("WRONGTYPE Operation against a key holding the wrong kind of value"))).catch((e: unknown) => e);
      expect((error as Error).name).toBe("ReplyError");
    }
    expect(gate.isAvailable).toBe(true);
  });

  test("BUSY, LOADING and closed connections mean unavailable", async () => {
    const { gate } = gateAt({ now: 0 });
    for (const error of [replyError("BUSY Redis is busy running a script"), replyError("LOADING Redis is loading the dataset"), new Error("Connection is closed.")]) {
      const seen = await gate.settle(Promise.reject(error)).catch((e: unknown) => e);
      expect(seen).toBeInstanceOf(RedisUnavailableError);
      expect((seen as RedisUnavailableError).cause).toBe(error);
    }
    expect(gate.isAvailable).toBe(false);
  });
});
