import { expect, test } from "bun:test";
import { formatDuration, parseDurationMs } from "./duration.ts";

test("parses the units users write", () => {
  expect(["500ms", "10s", "2m", "1h", "1.5s", "0", "1d"].map(parseDurationMs)).toEqual([
    500, 10_000, 120_000, 3_600_000, 1_500, 0, 86_400_000,
  ]);
});

test("rejects text that is not a duration", () => {
  expect(["10x", "", "s", "-1s", "10", "1e3s", "ten s"].map(parseDurationMs)).toEqual(
    Array(7).fill(undefined),
  );
});

test("formats back to the shortest exact unit", () => {
  expect([60_000, 1_500, 10_000, 3_600_000, 0].map(formatDuration)).toEqual(["1m", "1500ms", "10s", "1h", "0ms"]);
});
