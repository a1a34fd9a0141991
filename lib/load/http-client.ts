// A lean HTTP/1.1 keep-alive client for the load generator: one request per connection at a time,
// at most `maxConnections` per target (then requests wait their turn, FIFO, their latency still
// counting from the intended send time), status codes only (bodies are read and dropped). At 5k
// req/s it costs under half the CPU of fetch, which matters on a machine the target shares.
import type { Socket } from "bun";
import type { ErrorKind } from "./stats.ts";

/** A request on the wire: an ASCII string (one byte per character) or raw bytes. */
type Bytes = string | Buffer;

export type Answer = { status: number } | { error: ErrorKind };

export interface PoolRequest {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

interface Connection {
  socket?: Socket<Connection>;
  /** Bytes not yet written (the socket was full). */
  unsent?: Bytes;
  onAnswer?: (answer: Answer) => void;
  deadline: number;
  received: string;
  closed: boolean;
  /** The server asked to close after this answer (`Connection: close`). */
  closing: boolean;
}

interface Waiting {
  bytes: Bytes;
  onAnswer: (answer: Answer) => void;
  deadline: number;
}

export class HttpPool {
  private readonly host: string;
  private readonly port: number;
  private readonly tls: boolean;
  private readonly basePath: string;
  private readonly idle: Connection[] = [];
  private readonly busy = new Set<Connection>();
  private readonly waiting: Waiting[] = [];
  /** Connections not closed yet: connecting, busy or idle. */
  private open = 0;
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(baseUrl: string, private readonly timeoutMs: number, private readonly maxConnections = 256) {
    const url = new URL(baseUrl);
    this.tls = url.protocol === "https:";
    this.host = url.hostname.replace(/^\[|\]$/g, "");
    this.port = Number(url.port || (this.tls ? 443 : 80));
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(50, timeoutMs / 4)));
  }

  send(request: PoolRequest, onAnswer: (answer: Answer) => void): void {
    const next: Waiting = { bytes: this.serialize(request), onAnswer, deadline: performance.now() + this.timeoutMs };
    const connection = this.idle.pop() ?? (this.open < this.maxConnections ? this.connect() : undefined);
    if (connection) this.dispatch(connection, next);
    else this.waiting.push(next);
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const w of this.waiting.splice(0)) w.onAnswer({ error: "other" });
    for (const connection of [...this.idle, ...this.busy]) this.drop(connection, { error: "other" });
  }

  private dispatch(connection: Connection, next: Waiting): void {
    connection.onAnswer = next.onAnswer;
    connection.deadline = next.deadline;
    connection.received = "";
    this.busy.add(connection);
    if (connection.socket) this.write(connection, next.bytes);
    else connection.unsent = next.bytes;
  }

  /** A connection is free again: the next waiting request takes it, else it idles. */
  private release(connection: Connection): void {
    const next = this.waiting.shift();
    if (next) this.dispatch(connection, next);
    else this.idle.push(connection);
  }

  private serialize({ method, path, body, headers }: PoolRequest): Bytes {
    let head = `${method} ${this.basePath}${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n`;
    for (const [name, value] of Object.entries(headers ?? {})) head += `${name}: ${value}\r\n`;
    if (body !== undefined) head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    const text = `${head}\r\n${body ?? ""}`;
    // ASCII text (its UTF-8 length is its length) is its own bytes, so a partial write resumes by
    // length; anything else goes as UTF-8 bytes.
    return Buffer.byteLength(text) === text.length ? text : Buffer.from(text);
  }

  private connect(): Connection {
    const connection: Connection = { deadline: 0, received: "", closed: false, closing: false };
    this.open += 1;
    Bun.connect<Connection>({
      hostname: this.host,
      port: this.port,
      tls: this.tls,
      data: connection,
      socket: {
        open: (socket) => {
          connection.socket = socket;
          if (connection.closed) return void socket.terminate();
          if (connection.unsent !== undefined) {
            const bytes = connection.unsent;
            connection.unsent = undefined;
            this.write(connection, bytes);
          }
        },
        data: (_socket, chunk) => this.receive(connection, chunk.toString("latin1")),
        drain: () => {
          if (connection.unsent !== undefined && connection.socket) {
            const bytes = connection.unsent;
            connection.unsent = undefined;
            this.write(connection, bytes);
          }
        },
        close: () => this.drop(connection, { error: "reset" }),
        error: () => this.drop(connection, { error: "reset" }),
        connectError: (_socket, error) => this.drop(connection, { error: /REFUSED/i.test(String((error as { code?: string }).code)) ? "refused" : "other" }),
      },
    }).catch((error: { code?: string }) => this.drop(connection, { error: /REFUSED/i.test(String(error?.code)) ? "refused" : "other" }));
    return connection;
  }

  private write(connection: Connection, bytes: Bytes): void {
    const written = Math.max(0, connection.socket!.write(bytes));
    if (written < bytes.length) connection.unsent = typeof bytes === "string" ? bytes.slice(written) : bytes.subarray(written);
  }

  private receive(connection: Connection, text: string): void {
    if (connection.closed) return;
    connection.received += text;
    const answer = parseResponse(connection.received);
    if (!answer) return;
    connection.closing = answer.close;
    this.finish(connection, { status: answer.status });
    connection.received = "";
    if (connection.closing) this.drop(connection, undefined);
    else this.release(connection);
  }

  private finish(connection: Connection, answer: Answer): void {
    const onAnswer = connection.onAnswer;
    connection.onAnswer = undefined;
    this.busy.delete(connection);
    onAnswer?.(answer);
  }

  /** Closes a connection; a request still waiting on it gets `answer`. */
  private drop(connection: Connection, answer: Answer | undefined): void {
    if (answer && connection.onAnswer) this.finish(connection, answer);
    this.busy.delete(connection);
    if (connection.closed) return;
    connection.closed = true;
    this.open -= 1;
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    connection.socket?.terminate();
    // Its place goes to the next waiting request, on a fresh connection.
    const next = this.waiting.shift();
    if (next) this.dispatch(this.connect(), next);
  }

  private sweep(): void {
    const now = performance.now();
    for (const connection of this.busy) if (connection.deadline < now) this.drop(connection, { error: "timeout" });
    while (this.waiting.length > 0 && this.waiting[0]!.deadline < now) this.waiting.shift()!.onAnswer({ error: "timeout" });
  }
}

/** The status of a complete response in `text`, or undefined while more bytes are needed. */
export function parseResponse(text: string): { status: number; close: boolean } | undefined {
  const headEnd = text.indexOf("\r\n\r\n");
  if (headEnd < 0) return undefined;
  const head = text.slice(0, headEnd);
  const status = Number(head.slice(9, 12));
  const close = /\r\nconnection:\s*close/i.test(head);
  const bodyStart = headEnd + 4;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return text.length >= bodyStart + Number(length[1]) ? { status, close } : undefined;
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return chunkedEnd(text, bodyStart) ? { status, close } : undefined;
  // No length: 1xx/204/304 have no body; anything else runs to the close, which we do not wait for.
  return { status, close: close || !(status === 204 || status === 304 || status < 200) };
}

function chunkedEnd(text: string, from: number): boolean {
  let at = from;
  for (;;) {
    const lineEnd = text.indexOf("\r\n", at);
    if (lineEnd < 0) return false;
    const size = Number.parseInt(text.slice(at, lineEnd), 16);
    if (Number.isNaN(size)) return true;
    if (size === 0) return text.indexOf("\r\n\r\n", lineEnd) >= 0;
    at = lineEnd + 2 + size + 2;
    if (at > text.length) return false;
  }
}
