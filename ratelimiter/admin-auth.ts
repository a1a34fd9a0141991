// The admin endpoints' gate: `Authorization: Bearer <token>`, compared in constant time; with no
// token configured the endpoints are off and say how to turn them on.
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { httpError } from "../lib/cli/errors.ts";

// Equal-length digests: timingSafeEqual then leaks neither the token nor its length.
const digest = (text: string) => createHash("sha256").update(text).digest();

export function hasValidToken(header: string | undefined, expected: Buffer): boolean {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

export function requireAdmin(token: string | undefined): MiddlewareHandler {
  const expected = token ? digest(token) : undefined;
  return async (c, next) => {
    if (!expected) {
      throw httpError(403, "admin_disabled", "admin endpoints are off: start the node with --admin-token (env RATELIMITER_ADMIN_TOKEN)");
    }
    if (!hasValidToken(c.req.header("authorization"), expected)) {
      c.header("WWW-Authenticate", 'Bearer realm="ratelimiter"');
      throw httpError(401, "unauthorized", "admin endpoint: send Authorization: Bearer <token> with the node's admin token");
    }
    await next();
  };
}
