// Starting the console: the state db, the first admin token when there is none, the HTTP server.
// The start line carries the URL; a sign-in link (token in the fragment) only on a terminal.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Output } from "../lib/cli/output.ts";
import { openState, type State } from "../lib/state/state.ts";
import { createConsoleApp } from "./app.ts";
import { createConsoleMetrics } from "./metrics.ts";
import { addToken, hasAnyToken } from "./token-store.ts";

export const ADMIN_TOKEN_FILE = "console-admin.token";

export interface ConsoleOptions {
  stateDir: string;
  host: string;
  port: number;
}

export interface RunningConsole {
  url: string;
  state: State;
  stop(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Beyond loopback, plain HTTP carries tokens and cookies in the clear: say so, and how to fix it. */
export function exposureWarning(host: string, port: number): string | undefined {
  if (LOOPBACK.test(host)) return undefined;
  return (
    `warning: the console listens on ${host}, beyond this machine, over plain HTTP: put it behind a TLS reverse proxy and bind it to 127.0.0.1 ` +
    `(e.g. Caddy: "reverse_proxy 127.0.0.1:${port}"; nginx: proxy_pass http://127.0.0.1:${port} with proxy_buffering off for /api/v1/events)`
  );
}

/** The first start creates an admin token, kept only in a 0600 file of the state dir. */
function bootstrapAdmin(state: State, now: number): { file: string; token: string } | undefined {
  if (hasAnyToken(state)) return undefined;
  const { token } = addToken(state, { name: "admin", role: "admin", now });
  const file = join(state.dir, ADMIN_TOKEN_FILE);
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { file, token };
}

export function startConsole(options: ConsoleOptions, out: Output, logError: (line: string) => void): RunningConsole {
  const state = openState(options.stateDir);
  const bootstrap = bootstrapAdmin(state, Date.now());
  const app = createConsoleApp({ state, metrics: createConsoleMetrics(state), logError });
  // An event stream is idle between events: keepalives every 15 s stay inside this timeout.
  const server = Bun.serve({ hostname: options.host, port: options.port, fetch: app.fetch, idleTimeout: 60 });
  const host = server.hostname?.includes(":") ? `[${server.hostname}]` : server.hostname;
  const url = `http://${host}:${server.port}/`;
  const warning = exposureWarning(options.host, server.port ?? options.port);
  if (warning) out.note(warning);
  out.result(
    { url, state_dir: state.dir, ...(bootstrap ? { admin_token_file: bootstrap.file } : {}) },
    (doc) =>
      [
        `console listening on ${doc.url} (state ${doc.state_dir})`,
        ...(bootstrap ? [`first start: created token "admin" (role admin), saved in ${bootstrap.file} (mode 0600)`, `sign in: ${url}#token=${bootstrap.token}`] : []),
      ].join("\n"),
  );
  return {
    url,
    state,
    async stop() {
      await server.stop(true);
      state.close();
    },
  };
}
