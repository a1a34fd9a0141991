import { describe, expect, test } from "bun:test";
import { CheckBody, parseBody, parseCheckBody } from "./request-bodies.ts";

const outcome = (parse: () => unknown) => {
  try {
    return { ok: parse() };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

describe("parseCheckBody", () => {
  // The fast path must accept exactly what the schema accepts, with the same result.
  // Each body wrapped in a row: test.each would spread an array body into arguments.
  test.each(([
    { key: "a" },
    { key: "a", cost: 3 },
    { key: "a", cost: 10_000 },
    { key: "a", cost: 10_001 },
    { key: "a", cost: 0 },
    { key: "a", cost: 1.5 },
    { key: "a", cost: "2" },
    { key: "a", cost: null },
    { key: "a", extra: true },
    { key: "" },
    { key: "x".repeat(256) },
    { key: "x".repeat(257) },
    { key: "é".repeat(128) },
    { key: "é".repeat(129) },
    { key: "a\u0007" },
    { key: 5 },
    {},
    [],
    null,
    "key",
    42,
  ] as unknown[]).map((body) => [body]))("%j: the same answer as the schema", (body) => {
    expect(outcome(() => parseCheckBody(body))).toEqual(outcome(() => parseBody(CheckBody, body)));
  });
});
