import { afterAll, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { HttpPool, parseResponse, type Answer } from "./http-client.ts";

describe("parseResponse", () => {
  test("waits for the whole body, by length or by chunks", () => {
    const head = "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 4\r\n\r\n";
    expect([parseResponse(head), parseResponse(`${head}ab`), parseResponse(`${head}abcd`)]).toEqual([undefined, undefined, { status: 429, close: false }]);
    const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n";
    expect([parseResponse(chunked), parseResponse(`${chunked}0\r\n\r\n`)]).toEqual([undefined, { status: 200, close: false }]);
    expect(parseResponse("HTTP/1.1 503 x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")).toEqual({ status: 503, close: true });
  });
});

describe("HttpPool", () => {
  const target = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const body = await request.text();
      return new Response(body.toUpperCase(), { status: new URL(request.url).pathname === "/deny" ? 429 : 200 });
    },
  });
  const resetter = createServer((socket) => socket.on("data", () => socket.destroy())).listen(0, "127.0.0.1");
  const silent = createServer(() => {}).listen(0, "127.0.0.1");
  afterAll(() => {
    target.stop(true);
    resetter.close();
    silent.close();
  });
  const ask = (pool: HttpPool, path: string) =>
    new Promise<Answer>((resolve) => pool.send({ method: "POST", path, body: '{"key":"é"}', headers: { "content-type": "application/json" } }, resolve));

  test("answers statuses over reused connections", async () => {
    const pool = new HttpPool(target.url.href, 1000);
    const answers = [];
    for (const path of ["/a", "/deny", "/b"]) answers.push(await ask(pool, path));
    const parallel = await Promise.all([ask(pool, "/x"), ask(pool, "/deny")]);
    pool.close();
    expect([...answers, ...parallel]).toEqual([{ status: 200 }, { status: 429 }, { status: 200 }, { status: 200 }, { status: 429 }]);
  });

  test("past maxConnections requests wait their turn, and time out while waiting", async () => {
    const pool = new HttpPool(target.url.href, 1000, 2);
    const answers = await Promise.all(["/1", "/deny", "/3", "/4", "/deny"].map((p) => ask(pool, p)));
    pool.close();
    expect(answers).toEqual([{ status: 200 }, { status: 429 }, { status: 200 }, { status: 200 }, { status: 429 }]);
    const stuck = new HttpPool(`http://127.0.0.1:${(silent.address() as { port: number }).port}`, 200, 1);
    expect(await Promise.all([ask(stuck, "/a"), ask(stuck, "/b")])).toEqual([{ error: "timeout" }, { error: "timeout" }]);
    stuck.close();
  });

  test("a refused connection and a reset are told apart", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const closedUrl = closed.url.href;
    closed.stop(true);
    const refused = new HttpPool(closedUrl, 1000);
    const reset = new HttpPool(`http://127.0.0.1:${(resetter.address() as { port: number }).port}`, 1000);
    expect([await ask(refused, "/"), await ask(reset, "/")]).toEqual([{ error: "refused" }, { error: "reset" }]);
    refused.close();
    reset.close();
  });
});
