// A TCP link proxy: forwards a listening port to an upstream, with added latency (+ jitter) and a
// "cut" switch that blackholes the link the way a partition does (bytes vanish, nothing is reset).
import type { Socket, TCPSocketListener } from "bun";

export interface LinkSettings {
  /** Added one-way delay per chunk, each direction, ms. */
  latencyMs: number;
  /** Each chunk's delay varies uniformly within ±jitterMs (never below 0). */
  jitterMs: number;
  /** Blackhole: data in both directions is dropped; on heal, the connections that lost data are closed. */
  cut: boolean;
}

export interface LinkCounters {
  connections: number;
  open: number;
  bytesUp: number;
  bytesDown: number;
  droppedBytes: number;
}

export interface LinkProxy {
  readonly port: number;
  settings(): LinkSettings;
  update(next: Partial<LinkSettings>): LinkSettings;
  counters(): LinkCounters;
  stop(): void;
}

export interface LinkProxyOptions {
  host: string;
  port: number;
  upstreamHost: string;
  upstreamPort: number;
  random?: () => number;
}

/** One direction of a connection: delivers chunks in order, each no earlier than its due time. */
class Pipe {
  private queue: Buffer[] = [];
  private lastDueMs = 0;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  socket?: Socket<unknown>;

  constructor(private readonly count: (bytes: number) => void) {}

  push(chunk: Buffer, delayMs: number): void {
    const dueMs = Math.max(this.lastDueMs, performance.now() + delayMs);
    this.lastDueMs = dueMs;
    const wait = dueMs - performance.now();
    if (wait <= 0.5 && this.timers.size === 0) return this.enqueue(chunk);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(chunk);
    }, wait);
    this.timers.add(timer);
  }

  private enqueue(chunk: Buffer): void {
    this.queue.push(chunk);
    this.flush();
  }

  flush(): void {
    while (this.socket && this.queue.length > 0) {
      const head = this.queue[0]!;
      const written = Math.max(0, this.socket.write(head));
      this.count(written);
      if (written < head.length) {
        this.queue[0] = head.subarray(written);
        return;
      }
      this.queue.shift();
    }
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue = [];
  }
}

interface Link {
  client: Socket<Link>;
  upstream?: Socket<unknown>;
  up: Pipe;
  down: Pipe;
  /** Lost bytes while cut: its byte stream is broken and must be closed on heal. */
  tainted: boolean;
  closed: boolean;
}

export function startLinkProxy(options: LinkProxyOptions): LinkProxy {
  const random = options.random ?? Math.random;
  let settings: LinkSettings = { latencyMs: 0, jitterMs: 0, cut: false };
  const counters: LinkCounters = { connections: 0, open: 0, bytesUp: 0, bytesDown: 0, droppedBytes: 0 };
  const links = new Set<Link>();

  const delay = () => Math.max(0, settings.latencyMs + (settings.jitterMs > 0 ? (random() * 2 - 1) * settings.jitterMs : 0));

  const close = (link: Link) => {
    if (link.closed) return;
    link.closed = true;
    links.delete(link);
    counters.open -= 1;
    link.up.clear();
    link.down.clear();
    link.client.end();
    link.upstream?.end();
  };

  const forward = (link: Link, pipe: Pipe, chunk: Buffer) => {
    if (settings.cut) {
      link.tainted = true;
      counters.droppedBytes += chunk.length;
      return;
    }
    pipe.push(Buffer.from(chunk), delay());
  };

  const listener: TCPSocketListener<Link> = Bun.listen<Link>({
    hostname: options.host,
    port: options.port,
    socket: {
      open(client) {
        const link: Link = {
          client,
          up: new Pipe((n) => (counters.bytesUp += n)),
          down: new Pipe((n) => (counters.bytesDown += n)),
          tainted: settings.cut,
          closed: false,
        };
        link.down.socket = client as Socket<unknown>;
        client.data = link;
        links.add(link);
        counters.connections += 1;
        counters.open += 1;
        Bun.connect({
          hostname: options.upstreamHost,
          port: options.upstreamPort,
          socket: {
            open(upstream) {
              if (link.closed) return void upstream.end();
              link.upstream = upstream;
              link.up.socket = upstream;
              link.up.flush();
            },
            data: (_upstream, chunk) => forward(link, link.down, chunk),
            drain: () => link.up.flush(),
            close: () => close(link),
            error: () => close(link),
            connectError: () => close(link),
          },
        }).catch(() => close(link));
      },
      data: (client, chunk) => forward(client.data, client.data.up, chunk),
      drain: (client) => client.data.down.flush(),
      close: (client) => close(client.data),
      error: (client) => close(client.data),
    },
  });

  return {
    port: listener.port,
    settings: () => ({ ...settings }),
    update(next) {
      const healing = settings.cut && next.cut === false;
      settings = { ...settings, ...next };
      if (healing) for (const link of [...links]) if (link.tainted) close(link);
      return { ...settings };
    },
    counters: () => ({ ...counters }),
    stop() {
      for (const link of [...links]) close(link);
      listener.stop(true);
    },
  };
}
