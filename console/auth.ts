// Who is calling: a bearer token (API clients), or the page's session cookie plus its anti-forgery
// header on every change (a cross-site form can send the cookie, never a custom header). The caller
// goes on the context; each route states the least role it needs.
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { OperatorError } from "../lib/cli/errors.ts";
import type { State } from "../lib/state/state.ts";
import { mayAct, type Role } from "./roles.ts";
import { authenticate, csrfMatches, sessionFor } from "./token-store.ts";

export const SESSION_COOKIE = "operator_session";
export const CSRF_HEADER = "X-Operator-CSRF";

export interface Caller {
  name: string;
  role: Role;
  /** Set when the call came with the session cookie. */
  sessionId?: string;
  csrf?: string;
}

export type ConsoleEnv = { Variables: { caller: Caller } };

const SAFE_METHODS = new Set(["GET", "HEAD"]);

/** The audit's actor for a console caller: the token's name, never what anyone types. */
export const actorOf = (caller: Caller) => `console:${caller.name}`;

export function bearerOf(c: Context): string | undefined {
  const header = c.req.header("authorization");
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** Resolves the caller on every /api/v1 route except signing in (which takes the bearer itself). */
export function identify(state: State, now: () => number): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const bearer = bearerOf(c);
    if (c.req.header("authorization") !== undefined && bearer === undefined) {
      throw new OperatorError("unauthorized", "the Authorization header must be \"Bearer <token>\"", 2, { status: 401 });
    }
    if (bearer !== undefined) {
      const token = authenticate(state, bearer, now());
      c.set("caller", { name: token.name, role: token.role });
      return next();
    }
    const sessionId = getCookie(c, SESSION_COOKIE);
    if (sessionId === undefined) {
      throw new OperatorError("unauthorized", "sign in: send Authorization: Bearer <token> (operator console token add NAME --role viewer)", 2, { status: 401 });
    }
    const session = sessionFor(state, sessionId, now());
    if (!SAFE_METHODS.has(c.req.method) && !csrfMatches(session, c.req.header(CSRF_HEADER))) {
      throw new OperatorError("csrf_required", `a change made with the session cookie needs the ${CSRF_HEADER} header the page was given at sign-in`, 2, { status: 403 });
    }
    c.set("caller", { name: session.tokenName, role: session.role, sessionId, csrf: session.csrf });
    return next();
  };
}

const WHAT: Record<Role, string> = { viewer: "read", approver: "approve, reject, resolve tickets and press the kill switch", admin: "change the mode" };

export function requireRole(needed: Role): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const caller = c.get("caller");
    if (!mayAct(caller.role, needed)) {
      throw new OperatorError("forbidden", `token ${caller.name} is ${caller.role === "viewer" ? "a" : "an"} ${caller.role}: only ${needed === "admin" ? "an admin" : `an ${needed} or admin`} may ${WHAT[needed]}`, 2, { status: 403 });
    }
    return next();
  };
}
