import { expect, test } from "bun:test";
import { responseLength } from "./http-connection-pool.ts";
import { dueCount } from "./open-loop.ts";
import { median, quantileSorted } from "./stats.ts";

test("the pacer's schedule: the first request at 0, then one per 1/rate, never past the total", () => {
  expect([-1, 0, 0.19, 0.2, 1, 999.9, 5_000].map((ms) => dueCount(ms, 5_000, 100))).toEqual([0, 1, 1, 2, 6, 100, 100]);
});

test("a response is complete only once its Content-Length or last chunk has arrived", () => {
  const head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n";
  const chunked = "HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n";
  expect([responseLength(head), responseLength(`${head}{`), responseLength(`${head}{}`), responseLength(`${head}{}HTTP`), responseLength(chunked), responseLength(`${chunked}0\r\n\r\n`)]).toEqual([
    -1,
    -1,
    head.length + 2,
    head.length + 2,
    -1,
    chunked.length + 5,
  ]);
});

test("percentiles by nearest rank and medians that skip missing runs", () => {
  const sorted = Array.from({ length: 100 }, (_, index) => index + 1);
  expect([quantileSorted(sorted, 0.5), quantileSorted(sorted, 0.99), quantileSorted(sorted, 1), median([3, null, 1, 2]), median([4, 1]), median([null])]).toEqual([50, 99, 100, 2, 2.5, null]);
});
