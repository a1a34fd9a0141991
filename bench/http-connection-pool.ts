// A keep-alive HTTP/1.1 client over raw sockets, one request in flight per connection, for the
// open-loop client: fetch costs ~100 µs of CPU per request here, which at 5,000 req/s would
// make the client itself the p99. It understands just enough HTTP for a JSON answer:
// the status line, Content-Length, and chunked bodies.
import type { Socket } from "bun";

export interface Exchange {
  request: string;
  done(status: number): void;
  fail(error: Error): void;
}

interface Connection {
  socket: Socket<Connection> | null;
  exchange: Exchange | null;
  buffer: string;
}

const HEADER_END = "\r\n\r\n";

/** The body length of a complete response in `buffer`, or -1 while more bytes are needed. */
export function responseLength(buffer: string): number {
  const headerEnd = buffer.indexOf(HEADER_END);
  if (headerEnd < 0) return -1;
  const head = buffer.slice(0, headerEnd).toLowerCase();
  const bodyStart = headerEnd + HEADER_END.length;
  const lengthMatch = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (lengthMatch) {
    const total = bodyStart + Number(lengthMatch[1]);
    return buffer.length >= total ? total : -1;
  }
  if (/\r\ntransfer-encoding:\s*chunked/.test(head)) {
    const end = buffer.indexOf("\r\n0\r\n\r\n", bodyStart - 2);
    return end < 0 ? -1 : end + "\r\n0\r\n\r\n".length;
  }
  return bodyStart;
}

export class HttpConnectionPool {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** Opens `count` connections ahead of time so the first requests do not pay for a handshake. */
  async warm(count: number): Promise<void> {
    const connections = await Promise.all(Array.from({ length: count }, () => this.open()));
    this.idle.push(...connections);
  }

  send(exchange: Exchange): void {
    const connection = this.idle.pop();
    if (connection) return this.start(connection, exchange);
    this.open().then(
      (opened) => this.start(opened, exchange),
      (error: Error) => exchange.fail(error),
    );
  }

  close(): void {
    for (const connection of this.all) connection.socket?.end();
    this.all.clear();
    this.idle.length = 0;
  }

  private start(connection: Connection, exchange: Exchange): void {
    connection.exchange = exchange;
    connection.socket!.write(exchange.request);
  }

  private async open(): Promise<Connection> {
    const connection: Connection = { socket: null, exchange: null, buffer: "" };
    const pool = this;
    connection.socket = await Bun.connect<Connection>({
      hostname: this.host,
      port: this.port,
      data: connection,
      socket: {
        data(socket, chunk) {
          const state = socket.data;
          state.buffer += chunk.toString("latin1");
          const length = responseLength(state.buffer);
          if (length < 0 || !state.exchange) return;
          const status = Number(state.buffer.slice(9, 12));
          const exchange = state.exchange;
          state.buffer = state.buffer.slice(length);
          state.exchange = null;
          pool.idle.push(state);
          exchange.done(status);
        },
        close(socket) {
          pool.forget(socket.data, new Error("connection closed by the server"));
        },
        error(socket, error) {
          pool.forget(socket.data, error);
        },
      },
    });
    this.all.add(connection);
    return connection;
  }

  private forget(connection: Connection, error: Error): void {
    this.all.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    const exchange = connection.exchange;
    connection.exchange = null;
    exchange?.fail(error);
  }
}
