import { afterAll, describe, expect, test } from "bun:test";
import { readLink, serveLinkControl, updateLink } from "./control.ts";
import { startLinkProxy } from "./proxy.ts";

// An upstream that answers each line with "pong <line>".
const upstream = Bun.listen({
  hostname: "127.0.0.1",
  port: 0,
  socket: { data: (socket, chunk) => void socket.write(`pong ${chunk.toString().trim()}\n`) },
});
const proxy = startLinkProxy({ host: "127.0.0.1", port: 0, upstreamHost: "127.0.0.1", upstreamPort: upstream.port });
const control = serveLinkControl(proxy, { port: 0, token: "s3cret" });
const controlUrl = `http://127.0.0.1:${control.port}`;
afterAll(() => {
  control.stop(true);
  proxy.stop();
  upstream.stop(true);
});

/** A client connection through the proxy that sends a line and awaits the answer (or a deadline). */
async function connect() {
  let resolveLine: ((line: string) => void) | undefined;
  let closed = false;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: proxy.port,
    socket: {
      data: (_s, chunk) => resolveLine?.(chunk.toString().trim()),
      close: () => void (closed = true),
    },
  });
  return {
    get closed() {
      return closed;
    },
    async ask(line: string, timeoutMs = 2000): Promise<{ answer: string | undefined; ms: number }> {
      const started = performance.now();
      const answer = new Promise<string>((resolve) => (resolveLine = resolve));
      socket.write(`${line}\n`);
      const result = await Promise.race([answer, Bun.sleep(timeoutMs).then(() => undefined)]);
      return { answer: result, ms: performance.now() - started };
    },
    end: () => socket.end(),
  };
}

describe("link proxy", () => {
  test("passes traffic both ways", async () => {
    const client = await connect();
    expect((await client.ask("a")).answer).toBe("pong a");
    client.end();
  });

  test("adds latency in each direction, and removes it", async () => {
    const client = await connect();
    await updateLink(controlUrl, "s3cret", { latency_ms: 150, jitter_ms: 10 });
    const slow = await client.ask("b");
    expect(slow.answer).toBe("pong b");
    expect(slow.ms).toBeGreaterThanOrEqual(270);
    await updateLink(controlUrl, "s3cret", { latency_ms: 0, jitter_ms: 0 });
    expect((await client.ask("c")).answer).toBe("pong c");
    client.end();
  });

  test("a cut blackholes the link; healing closes the broken connections and new ones pass", async () => {
    const client = await connect();
    expect((await client.ask("d")).answer).toBe("pong d");
    expect((await updateLink(controlUrl, "s3cret", { cut: true })).cut).toBe(true);
    expect((await client.ask("e", 300)).answer).toBeUndefined();
    const during = await connect();
    expect((await during.ask("f", 300)).answer).toBeUndefined();
    await updateLink(controlUrl, "s3cret", { cut: false });
    const after = await connect();
    expect((await after.ask("g")).answer).toBe("pong g");
    expect(await waitClosed(client)).toBe(true);
    const status = await readLink(controlUrl, "s3cret");
    expect({ cut: status.cut, dropped: status.dropped_bytes > 0 }).toEqual({ cut: false, dropped: true });
    after.end();
  });

  test("the control wants the token and valid values", async () => {
    const noToken = await fetch(`${controlUrl}/link`);
    expect([noToken.status, ((await noToken.json()) as { error: string }).error]).toEqual([401, "unauthorized"]);
    await expect(updateLink(controlUrl, "s3cret", { latency_ms: -1 })).rejects.toThrow("latency_ms must be a number of milliseconds >= 0");
    await expect(readLink("http://127.0.0.1:1", "s3cret")).rejects.toThrow(/does not answer/);
  });
});

async function waitClosed(client: { closed: boolean }): Promise<boolean> {
  const deadline = Date.now() + 2000;
  while (!client.closed && Date.now() < deadline) await Bun.sleep(10);
  return client.closed;
}
