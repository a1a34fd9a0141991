// Named console tokens and the cookie sessions made from them. The state keeps only a SHA-256 of
// each secret (a token, a session id): a copied state db signs nobody in. Revoking a token ends its
// sessions in the same transaction, and every request re-checks both, so revocation takes at once.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { OperatorError, usageError } from "../lib/cli/errors.ts";
import { ensureSchema, type State } from "../lib/state/state.ts";
import type { Role } from "./roles.ts";

export interface ConsoleToken {
  name: string;
  role: Role;
  createdAt: number;
  /** Epoch ms; null: never expires. */
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface Session {
  tokenName: string;
  role: Role;
  /** The anti-forgery value the page sends in X-Operator-CSRF on every change. */
  csrf: string;
}

/** A page left open through a working day and a night shift; re-signing in after is fine. */
export const SESSION_TTL_MS = 24 * 3_600_000;

const migrations = [
  `CREATE TABLE console_tokens (
     name TEXT PRIMARY KEY,
     role TEXT NOT NULL,
     hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     expires_at INTEGER,
     last_used_at INTEGER,
     revoked_at INTEGER
   );
   CREATE TABLE console_sessions (
     hash TEXT PRIMARY KEY,
     token_name TEXT NOT NULL,
     csrf TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     ended_at INTEGER
   );
   CREATE INDEX console_sessions_token ON console_sessions (token_name);`,
];

const prepared = (state: State) => (ensureSchema(state, "console", migrations), state.db);
const sha256 = (secret: string) => createHash("sha256").update(secret).digest("hex");
const secret = (prefix: string) => `${prefix}${randomBytes(32).toString("base64url")}`;
/** Constant time: the stored hash was found by its value, and is compared again without an early exit. */
const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

interface TokenRow {
  name: string;
  role: Role;
  hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

const fromRow = (r: TokenRow): ConsoleToken => ({ name: r.name, role: r.role, createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at });
const isActive = (r: TokenRow, now: number) => r.revoked_at === null && (r.expires_at === null || now < r.expires_at);

/** Creates a token; the returned secret is shown once and never stored. A revoked name may be reused. */
export function addToken(state: State, input: { name: string; role: Role; expiresInMs?: number; now: number }): { token: string; record: ConsoleToken } {
  const db = prepared(state);
  if (!/^[a-z0-9][a-z0-9_.@-]{0,63}$/i.test(input.name)) {
    throw usageError("invalid_argument", `token name ${JSON.stringify(input.name)}: use letters, digits, ".", "_", "-" or "@" (at most 64), e.g. alice`);
  }
  const token = secret("opc_");
  return db.transaction(() => {
    const existing = db.query<TokenRow, [string]>("SELECT * FROM console_tokens WHERE name = ?").get(input.name);
    if (existing && existing.revoked_at === null) throw usageError("token_exists", `a token named ${input.name} exists: revoke it first (operator console token revoke ${input.name})`);
    if (existing) db.query("DELETE FROM console_tokens WHERE name = ?").run(input.name);
    const row = db
      .query<TokenRow, [string, string, string, number, number | null]>("INSERT INTO console_tokens (name, role, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING *")
      .get(input.name, input.role, sha256(token), input.now, input.expiresInMs === undefined ? null : input.now + input.expiresInMs)!;
    return { token, record: fromRow(row) };
  }).immediate();
}

export function listTokens(state: State): ConsoleToken[] {
  return prepared(state).query<TokenRow, []>("SELECT * FROM console_tokens ORDER BY name").all().map(fromRow);
}

export const hasAnyToken = (state: State) => prepared(state).query<{ n: number }, []>("SELECT COUNT(*) AS n FROM console_tokens").get()!.n > 0;

/** Revokes a token and ends its sessions, in one transaction. */
export function revokeToken(state: State, name: string, now: number): ConsoleToken {
  const db = prepared(state);
  return db.transaction(() => {
    const row = db.query<TokenRow, [number, string]>("UPDATE console_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE name = ? RETURNING *").get(now, name);
    if (!row) throw usageError("no_such_token", `no token named ${name}: see operator console token list`);
    db.query("UPDATE console_sessions SET ended_at = ? WHERE token_name = ? AND ended_at IS NULL").run(now, name);
    return fromRow(row);
  }).immediate();
}

const unauthorized = (message: string) => new OperatorError("unauthorized", message, 2, { status: 401 });

/** The active token a secret names, its last use recorded; a 401 that says why otherwise. */
export function authenticate(state: State, token: string, now: number): ConsoleToken {
  const db = prepared(state);
  const hash = sha256(token);
  const row = db.query<TokenRow, [string]>("SELECT * FROM console_tokens WHERE hash = ?").get(hash);
  if (!row || !sameHash(row.hash, hash)) throw unauthorized("unknown token: ask an admin for one (operator console token add NAME --role viewer)");
  if (!isActive(row, now)) throw unauthorized(`token ${row.name} is ${row.revoked_at !== null ? "revoked" : "expired"}: ask an admin for a new one`);
  db.query("UPDATE console_tokens SET last_used_at = ? WHERE name = ?").run(now, row.name);
  return fromRow({ ...row, last_used_at: now });
}

/** Is this token still good (an event stream re-checks it while it runs)? */
export function isTokenActive(state: State, name: string, now: number): boolean {
  const row = prepared(state).query<TokenRow, [string]>("SELECT * FROM console_tokens WHERE name = ?").get(name);
  return row !== null && isActive(row, now);
}

/** A cookie session for a signed-in token: its id goes in the cookie, its CSRF value to the page. */
export function createSession(state: State, token: ConsoleToken, now: number): { sessionId: string; csrf: string } {
  const sessionId = secret("");
  const csrf = randomBytes(24).toString("base64url");
  prepared(state)
    .query("INSERT INTO console_sessions (hash, token_name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
    .run(sha256(sessionId), token.name, csrf, now, now + SESSION_TTL_MS);
  return { sessionId, csrf };
}

/** The live session a cookie names (and its token is still active), or a 401 saying to sign in again. */
export function sessionFor(state: State, sessionId: string, now: number): Session {
  const db = prepared(state);
  const row = db
    .query<{ token_name: string; csrf: string; expires_at: number; ended_at: number | null; role: Role; revoked_at: number | null; token_expires_at: number | null }, [string]>(
      `SELECT s.token_name, s.csrf, s.expires_at, s.ended_at, t.role, t.revoked_at, t.expires_at AS token_expires_at
       FROM console_sessions s JOIN console_tokens t ON t.name = s.token_name WHERE s.hash = ?`,
    )
    .get(sha256(sessionId));
  const live = row && row.ended_at === null && now < row.expires_at && row.revoked_at === null && (row.token_expires_at === null || now < row.token_expires_at);
  if (!live) throw unauthorized("session ended or unknown: sign in again with your token");
  return { tokenName: row.token_name, role: row.role, csrf: row.csrf };
}

export function endSession(state: State, sessionId: string, now: number): void {
  prepared(state).query("UPDATE console_sessions SET ended_at = ? WHERE hash = ? AND ended_at IS NULL").run(now, sha256(sessionId));
}

/** Is the anti-forgery header the session's value? Constant time. */
export const csrfMatches = (session: Session, header: string | undefined) =>
  header !== undefined && header.length === session.csrf.length && timingSafeEqual(Buffer.from(header), Buffer.from(session.csrf));

export const tokenJson = (t: ConsoleToken) => ({
  name: t.name,
  role: t.role,
  created_at: new Date(t.createdAt).toISOString(),
  expires_at: t.expiresAt === null ? null : new Date(t.expiresAt).toISOString(),
  last_used_at: t.lastUsedAt === null ? null : new Date(t.lastUsedAt).toISOString(),
  revoked_at: t.revokedAt === null ? null : new Date(t.revokedAt).toISOString(),
});
