// stdout belongs here: one JSON document, NDJSON events, or human text. Everything else is stderr.

export interface Output {
  readonly json: boolean;
  /** The one result of a command that ends: JSON with --json, else the human rendering. */
  result<T>(doc: T, human?: string | ((doc: T) => string)): void;
  /** One streamed event: an NDJSON line `{type, ts, ...data}` with --json, else `human` (or a summary line). */
  event(type: string, data: Record<string, unknown>, human?: string): void;
  /** A line for the person at the terminal (stderr), never part of the machine-readable output. */
  note(text: string): void;
}

export interface OutputStreams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now?: () => number;
}

const processStreams: OutputStreams = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

export function createOutput(options: { json: boolean; quiet?: boolean }, streams: OutputStreams = processStreams): Output {
  const now = streams.now ?? Date.now;
  return {
    json: options.json,
    result(doc, human) {
      if (options.json) return streams.stdout(`${JSON.stringify(doc)}\n`);
      const text = typeof human === "function" ? human(doc) : human ?? JSON.stringify(doc, null, 2);
      streams.stdout(text.endsWith("\n") ? text : `${text}\n`);
    },
    event(type, data, human) {
      if (options.json) return streams.stdout(`${JSON.stringify({ type, ts: new Date(now()).toISOString(), ...data })}\n`);
      streams.stdout(`${human ?? `${type} ${JSON.stringify(data)}`}\n`);
    },
    note(text) {
      if (!options.quiet) streams.stderr(`${text}\n`);
    },
  };
}
