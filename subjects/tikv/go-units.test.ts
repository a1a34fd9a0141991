import { expect, test } from "bun:test";
import { formatByteSize, formatGoDuration, parseByteSize, parseGoDurationMs } from "./go-units.ts";

test("byte sizes in PD's modern and PD 3.x forms, and bare numbers", () => {
  const inputs = ["465.6GiB", "39 GiB", "29.85MiB", "35.03GiB", "0B", "1.5KiB", "2TiB", "10 GB", 1024, "1024"];
  expect(inputs.map(parseByteSize)).toEqual([
    Math.round(465.6 * 2 ** 30),
    39 * 2 ** 30,
    Math.round(29.85 * 2 ** 20),
    Math.round(35.03 * 2 ** 30),
    0,
    1536,
    2 * 2 ** 40,
    10 * 2 ** 30,
    1024,
    1024,
  ]);
});

test("sizes that are not sizes are undefined, not zero", () => {
  expect(["", "GiB", "12XB", "-1GiB", "1,5GiB", null, {}].map(parseByteSize)).toEqual(Array(7).fill(undefined));
});

test("Go durations, fractional and compound", () => {
  const inputs = ["1h2m3.5s", "48m51.093351s", "30m0s", "0s", "0", "-1m", "1.5µs", "250ms", "2h45m0.901730391s"];
  expect(inputs.map(parseGoDurationMs)).toEqual([3_723_500, 2_931_093.351, 1_800_000, 0, 0, -60_000, 0.0015, 250, 9_900_901.730391]);
});

test("durations that are not Go durations are undefined", () => {
  expect(["", "5", "1h2x", "1d", "h", "1.2.3s", 5].map(parseGoDurationMs)).toEqual(Array(7).fill(undefined));
});

test("rendering round-trips through parsing", () => {
  expect(parseByteSize(formatByteSize(465.6 * 2 ** 30))).toBe(Math.round(465.6 * 2 ** 30));
  expect(formatByteSize(39 * 2 ** 30, { spaced: true })).toBe("39 GiB");
  expect(parseGoDurationMs(formatGoDuration(3_723_000))).toBe(3_723_000);
});
