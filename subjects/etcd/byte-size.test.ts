import { expect, test } from "bun:test";
import { parseByteSize } from "./byte-size.ts";

test("sizes read as a person types them; anything else is not a size", () => {
  expect(["16MiB", "2GiB", "512kib", "1048576", "1.5MiB", "10MB"].map(parseByteSize)).toEqual([16_777_216, 2_147_483_648, 524_288, 1_048_576, 1_572_864, 10_000_000]);
  expect(["", "0", "-1MiB", "16 parsecs", "MiB"].map(parseByteSize)).toEqual([undefined, undefined, undefined, undefined, undefined]);
});
