import { expect, test } from "bun:test";
import { idText, parseExactJson, stringifyExactJson } from "./exact-json.ts";

test("uint64 ids past 2^53 keep every digit; safe numbers and strings stay as they were", () => {
  const text = `{"member_id":13195394291058371180,"last_heartbeat":1597541630901730391,"count":3,"ratio":0.5,` +
    `"big_float":1.8446744073709552e19,"name":"id 13195394291058371180 in a \\"string\\"","ids":[9007199254740993,42,-9223372036854775808]}`;
  expect(parseExactJson(text)).toEqual({
    member_id: "13195394291058371180",
    last_heartbeat: "1597541630901730391",
    count: 3,
    ratio: 0.5,
    big_float: 1.8446744073709552e19,
    name: 'id 13195394291058371180 in a "string"',
    ids: ["9007199254740993", 42, "-9223372036854775808"],
  });
  expect(JSON.parse(text).member_id).not.toBe(13195394291058371180n.toString());
});

test("garbage is a SyntaxError, as from JSON.parse", () => {
  expect(() => parseExactJson("<html>502 Bad Gateway</html>")).toThrow(SyntaxError);
  expect(() => parseExactJson('{"id": 12345678901234567890')).toThrow(SyntaxError);
});

test("bigint values go out as bare integer literals", () => {
  expect(stringifyExactJson({ name: "transfer-leader", region_id: 18446744073709551615n, to_store_id: 4n })).toBe(
    '{"name":"transfer-leader","region_id":18446744073709551615,"to_store_id":4}',
  );
});

test("idText takes ids from numbers, exact strings and bigints only", () => {
  expect([idText(4), idText("13195394291058371180"), idText(7n), idText(-1), idText(1.5), idText("x1"), idText(null)]).toEqual([
    "4",
    "13195394291058371180",
    "7",
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
});
