// operator console: the HTTP API and web page over the state db; `console token add|list|revoke`
// manages who may use it. Built once the words are known: `console token ...` is a command group,
// `console --port 0` is the server (a flag's value must not be read as a subcommand).
import { defineCommand, type CommandDef } from "citty";
import { defineOperatorCommand, stateDirOption } from "../lib/cli.ts";
import { NonEmptyText, OneOf, Port, PositiveDuration } from "../lib/config.ts";
import { log } from "../lib/log.ts";
import { openState } from "../lib/state.ts";
import { ROLES, type Role } from "../console/roles.ts";
import { startConsole } from "../console/server.ts";
import { addToken, listTokens, revokeToken, tokenJson } from "../console/token-store.ts";

const serve = defineOperatorCommand({
  name: "console",
  description:
    "Serve the operator's HTTP API (/api/v1) and web page over the state db, so people approve, reject and stop from a browser " +
    "under their own name. The first start creates an admin token (a 0600 file in the state dir) and prints a sign-in link. " +
    "Tokens: operator console token add|list|revoke --help.",
  examples: ["operator console", "operator console --port 0 --json", "operator console token add alice --role approver --expires 30d"],
  options: {
    ...stateDirOption,
    host: { env: "OPERATOR_CONSOLE_HOST", default: "127.0.0.1", schema: NonEmptyText, help: "address to listen on (beyond loopback: put it behind a TLS reverse proxy)" },
    port: { env: "OPERATOR_CONSOLE_PORT", default: "7070", schema: Port, help: "0 = any free port (the URL is on the start line)" },
  },
  async run({ options, out, signal }) {
    const running = startConsole({ stateDir: options.stateDir, host: options.host, port: options.port }, out, (line) => log.error(line));
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    out.note(`console: ${String(signal.reason ?? "signal")}, stopping`);
    await running.stop();
  },
});

const line = (t: ReturnType<typeof tokenJson>) =>
  `${t.name.padEnd(16)} ${t.role.padEnd(9)} ${t.revoked_at ? `revoked ${t.revoked_at}` : t.expires_at ? `expires ${t.expires_at}` : "no expiry"}  last used ${t.last_used_at ?? "never"}`;

const add = defineOperatorCommand({
  name: "console token add",
  description: "Create a named console token; it is printed once (the state keeps only its SHA-256). Viewers read; approvers also approve, reject, resolve tickets and press the kill switch; admins also change the mode.",
  examples: ["operator console token add alice --role approver --expires 30d", "operator console token add grafana --role viewer --json | jq -r .token"],
  options: {
    ...stateDirOption,
    role: { schema: OneOf(ROLES), required: true, help: "viewer, approver or admin" },
    expires: { schema: PositiveDuration, help: "lifetime, e.g. 30d or 12h (default: until revoked)" },
  },
  positionals: [{ name: "name", help: "who holds it: the audit records console:NAME", required: true }],
  run({ options, positionals, out }) {
    const state = openState(options.stateDir);
    try {
      const { token, record } = addToken(state, { name: positionals.name!, role: options.role as Role, ...(options.expires !== undefined ? { expiresInMs: options.expires } : {}), now: Date.now() });
      out.result({ ...tokenJson(record), token }, (doc) => `${doc.token}\ntoken for ${doc.name} (${doc.role}); shown once: keep it in a password manager`);
    } finally {
      state.close();
    }
  },
});

const list = defineOperatorCommand({
  name: "console token list",
  description: "List console tokens (never their secrets), with role, expiry and last use.",
  examples: ["operator console token list", "operator console token list --json"],
  options: { ...stateDirOption },
  run({ options, out }) {
    const state = openState(options.stateDir);
    try {
      const tokens = listTokens(state).map(tokenJson);
      out.result({ tokens }, (doc) => (doc.tokens.length ? doc.tokens.map(line).join("\n") : "no tokens: operator console token add NAME --role viewer"));
    } finally {
      state.close();
    }
  },
});

const revoke = defineOperatorCommand({
  name: "console token revoke",
  description: "Revoke a token: its API calls, page sessions and event streams end at once.",
  examples: ["operator console token revoke alice"],
  options: { ...stateDirOption },
  positionals: [{ name: "name", help: "the token's name (operator console token list)", required: true }],
  run({ options, positionals, out }) {
    const state = openState(options.stateDir);
    try {
      const record = revokeToken(state, positionals.name!, Date.now());
      out.result(tokenJson(record), (doc) => `revoked ${doc.name}: its sessions and event streams end now`);
    } finally {
      state.close();
    }
  },
});

const tokenCommands = defineCommand({
  meta: { name: "token", description: "Console tokens: add, list, revoke." },
  subCommands: { add, list, revoke },
});

export default function consoleCommand(argv: string[]): CommandDef<any> {
  const words = argv.filter((a) => !a.startsWith("-"));
  if (words[0] === "console" && words[1] === "token") {
    return defineCommand({ meta: { name: "console", description: "Console tokens and the console server." }, subCommands: { token: tokenCommands } });
  }
  return serve;
}
