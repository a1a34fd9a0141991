/// <reference lib="dom" />
// The page's calls to the console API: the session cookie rides along by itself; every change
// carries the anti-forgery header the server gave at sign-in.

export interface Me {
  name: string;
  role: "viewer" | "approver" | "admin";
  csrf: string | null;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let csrf: string | null = null;

async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method,
    credentials: "same-origin",
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(method !== "GET" && csrf ? { "X-Operator-CSRF": csrf } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const doc = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, doc.error ?? "error", doc.message ?? `${method} ${path}: HTTP ${response.status}`);
  return doc as T;
}

export const get = <T>(path: string) => call<T>("GET", path);
export const send = <T>(method: "POST" | "PUT" | "DELETE", path: string, body?: unknown) => call<T>(method, path, body);

/** Trades a token for a session cookie; the token is kept nowhere. */
export async function signIn(token: string): Promise<Me> {
  const me = await call<Me>("POST", "/session", undefined, { authorization: `Bearer ${token}` });
  csrf = me.csrf;
  return me;
}

/** The session the cookie names, if any. */
export async function whoAmI(): Promise<Me | undefined> {
  try {
    const me = await get<Me>("/session");
    csrf = me.csrf;
    return me;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}

export async function signOut(): Promise<void> {
  await send("DELETE", "/session");
  csrf = null;
}
