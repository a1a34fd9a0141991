// Bounded exchanges with a real server on port 0 that misbehaves on purpose: every failure comes
// back as a value naming what happened, within the deadline and the cap the caller chose.
import { afterAll, describe, expect, test } from "bun:test";
import { fetchJson, fetchText, type FetchFailure, type Fetched } from "./bounded-fetch.ts";

const seen: string[] = [];
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/echo") return Response.json({ method: request.method, body: await request.json(), token: request.headers.get("authorization") });
    if (path === "/text") return new Response("plain words");
    if (path === "/empty") return new Response(null, { status: 204 });
    if (path === "/slow") { await Bun.sleep(5_000); return new Response("late"); }
    if (path === "/slow-body") {
      return new Response(new ReadableStream({ async start(c) { c.enqueue(new TextEncoder().encode("{")); await Bun.sleep(5_000); c.close(); } }));
    }
    if (path === "/declared-huge") return new Response("x".repeat(2_000), { headers: { "content-length": "2000" } });
    if (path === "/endless") {
      // Never ends: only a reader that stops at the cap returns.
      return new Response(new ReadableStream({
        async pull(c) { c.enqueue(new Uint8Array(16 * 1024).fill(65)); await Bun.sleep(1); },
        cancel() { seen.push("endless cancelled"); },
      }));
    }
    if (path === "/missing") return Response.json({ error: "not_found", message: "no such thing" }, { status: 404 });
    if (path === "/broken") return new Response("upstream fell over", { status: 502, statusText: "Bad Gateway" });
    return new Response("?", { status: 500 });
  },
});
afterAll(() => server.stop(true));

const base = `http://127.0.0.1:${server.port}`;
const limits = { timeoutMs: 1_000, maxBytes: 1_000 };
const failureOf = (answer: Fetched<unknown>): FetchFailure | "ok" => (answer.ok ? "ok" : answer.failure);

describe("fetchJson", () => {
  test("sends the caller's request and parses the answer", async () => {
    const answer = await fetchJson(`${base}/echo`, { method: "POST", headers: { authorization: "Bearer t" }, body: JSON.stringify({ a: 1 }) }, limits);
    expect(answer.ok && { status: answer.status, body: answer.body }).toEqual({ status: 200, body: { method: "POST", body: { a: 1 }, token: "Bearer t" } });
  });

  test("a body that is not JSON is not_json, with the status and the text for the caller's message", async () => {
    expect(failureOf(await fetchJson(`${base}/text`, {}, limits))).toEqual({ kind: "not_json", status: 200, statusText: "OK", text: "plain words", cause: expect.any(SyntaxError) });
  });

  test("the caller's parser decides what JSON is (an empty body as null)", async () => {
    const answer = await fetchJson(`${base}/empty`, {}, { ...limits, parse: (text) => (text === "" ? null : JSON.parse(text)) });
    expect(answer.ok && answer.body).toBeNull();
  });
});

describe("statuses", () => {
  test("by default every status is an answer: the caller judges it", async () => {
    const answer = await fetchJson(`${base}/missing`, {}, limits);
    expect(answer.ok && { status: answer.status, body: answer.body }).toEqual({ status: 404, body: { error: "not_found", message: "no such thing" } });
  });

  test("a refused status is a failure; its body is read as an error document only when asked", async () => {
    const onlyOk = { ...limits, acceptStatus: (s: number) => s >= 200 && s < 300 };
    expect(failureOf(await fetchText(`${base}/broken`, {}, onlyOk))).toEqual({ kind: "status", status: 502, statusText: "Bad Gateway" });
    expect(failureOf(await fetchText(`${base}/broken`, {}, { ...onlyOk, readRefusedBody: true }))).toEqual({ kind: "status", status: 502, statusText: "Bad Gateway", text: "upstream fell over" });
    expect(failureOf(await fetchJson(`${base}/missing`, {}, { ...onlyOk, readRefusedBody: true }))).toMatchObject({ kind: "status", status: 404, text: '{"error":"not_found","message":"no such thing"}' });
  });
});

describe("bounds", () => {
  test("a server that sends nothing within the deadline is a timeout, whenever it stalls", async () => {
    const short = { ...limits, timeoutMs: 200 };
    expect(failureOf(await fetchText(`${base}/slow`, {}, short))).toMatchObject({ kind: "timeout", status: undefined });
    expect(failureOf(await fetchText(`${base}/slow-body`, {}, short))).toMatchObject({ kind: "timeout", status: 200 });
  });

  test("an endless body stops at the cap: read as a stream, cancelled, never buffered whole", async () => {
    expect(failureOf(await fetchText(`${base}/endless`, {}, { timeoutMs: 10_000, maxBytes: 100_000 }))).toEqual({ kind: "too_large", status: 200, statusText: "OK" });
    await Bun.sleep(50);
    expect(seen).toContain("endless cancelled");
  });

  test("a declared Content-Length over the cap is refused unread when the caller checks it, read and capped otherwise", async () => {
    expect(failureOf(await fetchText(`${base}/declared-huge`, {}, { ...limits, checkContentLength: true }))).toEqual({ kind: "too_large", status: 200, statusText: "OK", declaredBytes: 2_000 });
    expect(failureOf(await fetchText(`${base}/declared-huge`, {}, limits))).toEqual({ kind: "too_large", status: 200, statusText: "OK" });
    expect(failureOf(await fetchText(`${base}/declared-huge`, {}, { ...limits, maxBytes: 2_000 }))).toBe("ok");
  });

  test("a refused connection is refused, with the runtime's code", async () => {
    // Port 1 is privileged: no test can listen there.
    expect(failureOf(await fetchText("http://127.0.0.1:1/", {}, limits))).toMatchObject({ kind: "refused", code: expect.stringMatching(/ECONNREFUSED|ConnectionRefused/) });
  });

  test("the caller's signal ends the exchange as aborted, not as a timeout", async () => {
    const controller = new AbortController();
    const pending = fetchText(`${base}/slow`, {}, { ...limits, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(failureOf(await pending)).toMatchObject({ kind: "aborted", status: undefined });
  });

  test("without a deadline the caller's signal alone bounds the wait", async () => {
    const answer = await fetchText(`${base}/slow-body`, {}, { maxBytes: 1_000, signal: AbortSignal.timeout(200) });
    expect(failureOf(answer)).toMatchObject({ kind: "aborted", status: 200 });
  });
});
