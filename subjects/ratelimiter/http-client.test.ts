// Bounded reads against a misbehaving server on port 0: every failure is a value, never a throw or a hang.
import { afterAll, describe, expect, test } from "bun:test";
import { freePort } from "../../test/fixtures/ports.ts";
import { getJson, getText } from "./http-client.ts";

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/json") return Response.json({ ok: true });
    if (path === "/garbage") return new Response("\u0000\u0001<html>not json", { headers: { "content-type": "application/json" } });
    if (path === "/declared-huge") return new Response("x".repeat(2_000), { headers: { "content-length": "2000" } });
    if (path === "/streamed-huge") {
      return new Response(new ReadableStream({ async pull(c) { c.enqueue(new Uint8Array(64 * 1024).fill(65)); await Bun.sleep(1); } }));
    }
    if (path === "/slow") { await Bun.sleep(5_000); return new Response("late"); }
    if (path === "/draining") return Response.json({ draining: true }, { status: 503 });
    return new Response("nope", { status: 500 });
  },
});
afterAll(() => server.stop(true));

const base = `http://127.0.0.1:${server.port}`;
const limits = { timeoutMs: 300, maxBytes: 1_000, signal: new AbortController().signal };

describe("bounded HTTP reads", () => {
  test("JSON is parsed", async () => {
    expect(await getJson(`${base}/json`, limits)).toMatchObject({ ok: true, value: { ok: true }, status: 200 });
  });

  test("garbage is not_json, a declared or streamed huge body is too_large, a 500 is status", async () => {
    const results = await Promise.all(["/garbage", "/declared-huge", "/streamed-huge", "/other"].map((p) => getJson(base + p, limits)));
    expect(results.map((r) => (r.ok ? "ok" : r.failure.kind))).toEqual(["not_json", "too_large", "too_large", "status"]);
  });

  test("a server that does not answer in time is a timeout", async () => {
    const result = await getText(`${base}/slow`, limits);
    expect(result.ok ? "ok" : result.failure).toEqual({ kind: "timeout", message: "did not answer within 300 ms" });
  });

  test("nothing listening is refused", async () => {
    const result = await getText(`http://127.0.0.1:${await freePort()}/`, limits);
    expect(result.ok ? "ok" : result.failure.kind).toBe("refused");
  });

  test("a status the caller accepts is read (a draining node's 503)", async () => {
    expect(await getJson(`${base}/draining`, { ...limits, acceptStatus: (s) => s === 503 })).toMatchObject({ ok: true, status: 503, value: { draining: true } });
  });
});
