import { describe, expect, test } from "bun:test";
import { createRedisGate, RedisUnavailableError } from "./redis-gate.ts";

function replyError(message: string): Error {
  const error = new Error(message);
  error.name = "ReplyError";
  return error;
}

function gateAt(clock: { now: number }) {
  const events: string[] = [];
  const gate = createRedisGate({
    timeoutMs: 5,
    policy: { failureThreshold: 3, probeIntervalMs: 500 },
    now: () => clock.now,
    hooks: { observeCall: () => {}, onError: (e) => events.push(`error ${(e as Error).message}`), onAvailabilityChange: (up) => events.push(up ? "up" : "down") },
  });
  return { gate, events };
}

const never = () => new Promise<never>(() => {});

describe("redis gate", () => {
  test("an answer passes through", async () => {
    const { gate } = gateAt({ now: 0 });
    expect(gate.tryEnter()).toBe(true);
    expect(await gate.settle(Promise.resolve("PONG"))).toBe("PONG");
  });

  test("a call that never answers is given up after the timeout; three in a row open the breaker", async () => {
    const clock = { now: 1_000 };
    const { gate, events } = gateAt(clock);
    for (let i = 0; i < 3; i++) {
      expect(gate.tryEnter()).toBe(true);
      const error = await gate.settle(never()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect((error as RedisUnavailableError).reason).toBe("timeout");
    }
    expect(gate.isAvailable).toBe(false);
    expect(events).toEqual(["error Redis did not answer within 5 ms", "error Redis did not answer within 5 ms", "down", "error Redis did not answer within 5 ms"]);
    expect(gate.tryEnter()).toBe(false);
    clock.now += 500;
    expect(gate.tryEnter()).toBe(true); // the probe
    expect(gate.tryEnter()).toBe(false);
    await gate.settle(Promise.resolve("OK"));
    expect(gate.isAvailable).toBe(true);
    expect(events.at(-1)).toBe("up");
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
