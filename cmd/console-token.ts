// operator console token add|list|revoke: who may use the console, and as what role.
import { defineCommand } from "citty";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { OneOf, PositiveDuration } from "../lib/cli/config.ts";
import { withState } from "../lib/state/state.ts";
import { ROLES, type Role } from "../console/roles.ts";
import { addToken, listTokens, revokeToken, tokenJson } from "../console/token-store.ts";

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
    withState(options.stateDir, (state) => {
      const { token, record } = addToken(state, { name: positionals.name!, role: options.role as Role, ...(options.expires !== undefined ? { expiresInMs: options.expires } : {}), now: Date.now() });
      out.result({ ...tokenJson(record), token }, (doc) => `${doc.token}\ntoken for ${doc.name} (${doc.role}); shown once: keep it in a password manager`);
    });
  },
});

const list = defineOperatorCommand({
  name: "console token list",
  description: "List console tokens (never their secrets), with role, expiry and last use.",
  examples: ["operator console token list", "operator console token list --json"],
  options: { ...stateDirOption },
  run({ options, out }) {
    withState(options.stateDir, (state) => {
      const tokens = listTokens(state).map(tokenJson);
      out.result({ tokens }, (doc) => (doc.tokens.length ? doc.tokens.map(line).join("\n") : "no tokens: operator console token add NAME --role viewer"));
    });
  },
});

const revoke = defineOperatorCommand({
  name: "console token revoke",
  description: "Revoke a token: its API calls, page sessions and event streams end at once.",
  examples: ["operator console token revoke alice"],
  options: { ...stateDirOption },
  positionals: [{ name: "name", help: "the token's name (operator console token list)", required: true }],
  run({ options, positionals, out }) {
    withState(options.stateDir, (state) => {
      const record = revokeToken(state, positionals.name!, Date.now());
      out.result(tokenJson(record), (doc) => `revoked ${doc.name}: its sessions and event streams end now`);
    });
  },
});

export const tokenCommands = defineCommand({
  meta: { name: "token", description: "Console tokens: add, list, revoke." },
  subCommands: { add, list, revoke },
});
