// Signing the page in and out: the page trades a token (sent once, as a bearer) for an HttpOnly,
// SameSite=Strict session cookie and the anti-forgery value it sends with every change.
import type { Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { OperatorError } from "../lib/cli/errors.ts";
import type { State } from "../lib/state/state.ts";
import { bearerOf, identify, SESSION_COOKIE, type ConsoleEnv } from "./auth.ts";
import { authenticate, createSession, endSession, SESSION_TTL_MS } from "./token-store.ts";

/** Behind a TLS proxy the cookie is marked Secure (the proxy says so with X-Forwarded-Proto). */
const isHttps = (c: Context) => new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";

export function mountSessionRoutes(api: Hono<ConsoleEnv>, state: State, now: () => number): void {
  api.post("/session", (c) => {
    const bearer = bearerOf(c);
    if (bearer === undefined) throw new OperatorError("unauthorized", "sign in with Authorization: Bearer <token>", 2, { status: 401 });
    const token = authenticate(state, bearer, now());
    const { sessionId, csrf } = createSession(state, token, now());
    setCookie(c, SESSION_COOKIE, sessionId, { httpOnly: true, sameSite: "Strict", path: "/", secure: isHttps(c), maxAge: SESSION_TTL_MS / 1000 });
    return c.json({ name: token.name, role: token.role, csrf });
  });
  api.get("/session", identify(state, now), (c) => {
    const caller = c.get("caller");
    return c.json({ name: caller.name, role: caller.role, csrf: caller.csrf ?? null });
  });
  api.delete("/session", identify(state, now), (c) => {
    const sessionId = getCookie(c, SESSION_COOKIE);
    if (sessionId !== undefined) endSession(state, sessionId, now());
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.json({ signed_out: true });
  });
}
