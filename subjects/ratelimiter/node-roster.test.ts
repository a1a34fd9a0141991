import { expect, test } from "bun:test";
import { NodeRoster } from "./node-roster.ts";

const a = { id: "a", url: "http://a" };
const b = { id: "b", url: "http://b" };

test("configured nodes always; registered ones while registered; a crashed one stays after its registration lapses", () => {
  const roster = new NodeRoster(new Map([["http://c", "c"]]));
  roster.discover([a, b], 0);
  expect(roster.urls()).toEqual(["http://c", "http://a", "http://b"]);
  roster.settle([a, b], (url) => url !== "http://b", 0);
  // a stopped cleanly (deregistered while answering), b crashed (down while registered)
  roster.settle([], () => false, 1_000);
  expect(roster.urls()).toEqual(["http://c", "http://b"]);
  expect(roster.knownId("http://b")).toBe("b");
  roster.settle(undefined, () => false, 20 * 60_000);
  expect(roster.urls()).toEqual(["http://c", "http://b"]);
  roster.settle([], () => false, 20 * 60_000);
  expect(roster.urls()).toEqual(["http://c"]);
});
