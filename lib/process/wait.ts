// Waiting for a condition with a deadline: polls, never a fixed sleep, and stops on abort.
import { fetchText } from "../http/bounded-fetch.ts";

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Resolves with the first truthy value of `check`, or undefined when the deadline passes. */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions): Promise<T | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 50;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() >= deadline || options.signal?.aborted) return undefined;
    await abortableSleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())), options.signal);
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** True once `url` answers HTTP with a status `isReady` accepts (default: 2xx). */
export async function answersHttp(url: string, options: { timeoutMs?: number; isReady?: (status: number) => boolean; headers?: Record<string, string> } = {}): Promise<boolean> {
  const answer = await fetchText(url, { headers: options.headers }, { timeoutMs: options.timeoutMs ?? 1000, maxBytes: Number.POSITIVE_INFINITY });
  return answer.ok && (options.isReady ?? ((s) => s >= 200 && s < 300))(answer.status);
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export async function acceptsTcp(port: number, host = "127.0.0.1"): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: host, port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

/** True when `port` is free on `host` (we could bind it ourselves). */
export async function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  try {
    const listener = Bun.listen({ hostname: host, port, socket: { data() {} } });
    listener.stop(true);
    return true;
  } catch {
    return false;
  }
}

/** A port nobody listens on right now, chosen by the kernel. */
export function freePort(host = "127.0.0.1"): number {
  const listener = Bun.listen({ hostname: host, port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}
