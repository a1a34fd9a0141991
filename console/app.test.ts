// The console's API on a real state db and a real server: who may do what, the 4xx for bad input
// (each leaving the state as it was), and the approval rules as a browser or a script meets them.
import { expect, test } from "bun:test";
import { proposeAction, getAction } from "../lib/actions/action-store.ts";
import { listAudit } from "../lib/actions/audit-log.ts";
import { getMode } from "../lib/actions/settings.ts";
import { openTicket } from "../lib/monitor/tickets.ts";
import { json, startTestConsole } from "../test/fixtures/console.ts";
import { MAX_BODY_BYTES } from "./request.ts";

const propose = (state: any, ttlMs?: number, ticketId: number | null = null) =>
  proposeAction(state, { subject: "demo", ticketId, name: "restart", params: { node: "b" }, risk: "high", why: "node b is down", actor: "diagnosis:builtin", now: Date.now(), ...(ttlMs !== undefined ? { ttlMs } : {}) }).record;
const post = (body: unknown) => ({ method: "POST", body: JSON.stringify(body) });

test("the start line is one JSON object with the URL and the admin token's file, never the token; the file is 0600", async () => {
  await using c = await startTestConsole();
  const start = JSON.parse(c.stdout.join(""));
  expect(start).toEqual({ url: c.url, state_dir: c.dir, admin_token_file: `${c.dir}/console-admin.token` });
  expect(c.stdout.join("")).not.toContain(c.tokens.admin);
  expect((await Bun.file(start.admin_token_file).stat()).mode & 0o777).toBe(0o600);
});

test("no token 401, a viewer reads but may not approve (403), an approver approves as console:NAME, twice is 409", async () => {
  await using c = await startTestConsole();
  const action = propose(c.state);
  expect(await json(await c.as(undefined)("/api/v1/actions"))).toMatchObject({ status: 401, body: { error: "unauthorized" } });
  expect(await json(await c.as("opc_forged")("/api/v1/actions"))).toMatchObject({ status: 401, body: { error: "unauthorized" } });
  expect(await json(await c.as(c.tokens.victor)("/api/v1/actions?status=pending"))).toMatchObject({ status: 200, body: { mode: "observe", actions: [{ id: action.id, status: "proposed" }], next_cursor: null } });
  expect(await json(await c.as(c.tokens.victor)(`/api/v1/actions/${action.id}/approve`, post({})))).toEqual({
    status: 403, body: { error: "forbidden", message: "token victor is a viewer: only an approver or admin may approve, reject, resolve tickets and press the kill switch" },
  });
  expect(getAction(c.state, action.id)?.status).toBe("proposed");
  const approved = await json(await c.as(c.tokens.alice)(`/api/v1/actions/${action.id}/approve`, post({ why: "b is really down" })));
  expect(approved).toMatchObject({ status: 200, body: { action: { id: action.id, status: "approved" } } });
  expect(await json(await c.as(c.tokens.alice)(`/api/v1/actions/${action.id}/approve`, post({})))).toMatchObject({ status: 409, body: { error: "action_not_pending", message: `action ${action.id} is already approved by console:alice: b is really down; it runs when a monitor in execute mode picks it up` } });
  expect(listAudit(c.state, { entity: "action" }).map((e) => `${e.actor} ${e.event}`)).toEqual(["diagnosis:builtin proposed", "console:alice approved"]);
});

test("two approvals of one proposal at once: one 200, one 409", async () => {
  await using c = await startTestConsole();
  const action = propose(c.state);
  const both = await Promise.all([c.tokens.alice, c.tokens.admin].map((t) => c.as(t)(`/api/v1/actions/${action.id}/approve`, post({}))));
  expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
  expect(listAudit(c.state, { entity: "action", entityId: String(action.id) }).filter((e) => e.event === "approved").length).toBe(1);
});

test("an expired proposal is 409 saying it expired; a rejection needs a why", async () => {
  await using c = await startTestConsole();
  const stale = propose(c.state, 1);
  await Bun.sleep(5);
  const late = await json(await c.as(c.tokens.alice)(`/api/v1/actions/${stale.id}/approve`, post({})));
  expect(late.status).toBe(409);
  expect(late.body.message).toMatch(new RegExp(`^action ${stale.id} expired at .* unapproved: the system may have moved on`));
  expect(getAction(c.state, stale.id)?.status).toBe("expired");
  const fresh = propose(c.state);
  expect(await json(await c.as(c.tokens.alice)(`/api/v1/actions/${fresh.id}/reject`, post({})))).toEqual({ status: 400, body: { error: "invalid_body", message: "why Invalid key: Expected \"why\" but received undefined" } });
  expect(getAction(c.state, fresh.id)?.status).toBe("proposed");
});

test("bad input is a clear 4xx and changes nothing: unknown ids, malformed JSON, oversized bodies, bad queries", async () => {
  await using c = await startTestConsole();
  const action = propose(c.state);
  const alice = c.as(c.tokens.alice);
  const cases: [string, RequestInit, number, string][] = [
    ["/api/v1/actions/999/approve", post({}), 404, "no_such_action"],
    ["/api/v1/actions/abc/approve", post({}), 400, "invalid_id"],
    ["/api/v1/tickets/999", {}, 404, "no_such_ticket"],
    ["/api/v1/incidents/999", {}, 404, "no_such_incident"],
    ["/api/v1/incidents?status=closed", {}, 400, "invalid_query"],
    ["/api/v1/tickets/999/resolve", post({ why: "x" }), 404, "no_such_ticket"],
    [`/api/v1/actions/${action.id}/approve`, { method: "POST", body: "{not json" }, 400, "invalid_json"],
    [`/api/v1/actions/${action.id}/approve`, post({ why: 42 }), 400, "invalid_body"],
    [`/api/v1/actions/${action.id}/approve`, post({ why: "x".repeat(MAX_BODY_BYTES) }), 413, "body_too_large"],
    ["/api/v1/actions?status=done", {}, 400, "invalid_query"],
    ["/api/v1/tickets?limit=0", {}, 400, "invalid_query"],
    ["/api/v1/audit?cursor=xyz", {}, 400, "invalid_query"],
    ["/api/v1/audit?since=yesterday", {}, 400, "invalid_query"],
    ["/api/v1/nothing-here", {}, 404, "not_found"],
  ];
  for (const [path, init, status, error] of cases) {
    const got = await json(await alice(path, init));
    expect({ path, status: got.status, error: got.body.error, hasMessage: typeof got.body.message === "string" && got.body.message.length > 0 }).toEqual({ path, status, error, hasMessage: true });
  }
  expect(getAction(c.state, action.id)?.status).toBe("proposed");
  expect(listAudit(c.state).length).toBe(1);
});

test("the page's session: an HttpOnly SameSite=Strict cookie; changes need the anti-forgery header; forged, revoked or signed-out cookies are 401", async () => {
  await using c = await startTestConsole();
  const action = propose(c.state);
  const signedIn = await c.as(c.tokens.alice)("/api/v1/session", { method: "POST" });
  const cookie = signedIn.headers.get("set-cookie")!;
  expect(cookie).toMatch(/^operator_session=[\w-]+; Max-Age=86400; Path=\/; HttpOnly; SameSite=Strict$/);
  const { csrf, ...who } = await signedIn.json();
  expect(who).toEqual({ name: "alice", role: "approver" });
  const session = cookie.split(";")[0]!;
  const page = (path: string, init: RequestInit = {}, headers: Record<string, string> = {}) => c.as(undefined)(path, { ...init, headers: { cookie: session, ...headers } });
  expect((await page("/api/v1/tickets")).status).toBe(200);
  expect(await json(await page(`/api/v1/actions/${action.id}/approve`, post({})))).toMatchObject({ status: 403, body: { error: "csrf_required" } });
  expect((await page(`/api/v1/actions/${action.id}/approve`, post({}), { "x-operator-csrf": "forged" })).status).toBe(403);
  expect(getAction(c.state, action.id)?.status).toBe("proposed");
  expect((await page(`/api/v1/actions/${action.id}/approve`, post({}), { "x-operator-csrf": csrf })).status).toBe(200);
  expect(listAudit(c.state, { entity: "action" }).at(-1)?.actor).toBe("console:alice");
  expect(await json(await c.as(undefined)("/api/v1/tickets", { headers: { cookie: "operator_session=forged" } }))).toMatchObject({ status: 401, body: { message: "session ended or unknown: sign in again with your token" } });

  const out = await page("/api/v1/session", { method: "DELETE" }, { "x-operator-csrf": csrf });
  expect(out.status).toBe(200);
  expect((await page("/api/v1/tickets")).status).toBe(401);
});

test("revoking a token ends its API calls, its sessions and its open event stream at once", async () => {
  await using c = await startTestConsole();
  const session = (await c.as(c.tokens.alice)("/api/v1/session", { method: "POST" })).headers.get("set-cookie")!.split(";")[0]!;
  const stream = await c.as(c.tokens.alice)("/api/v1/events");
  expect(stream.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  const reader = stream.body!.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toStartWith("retry: 2000\nid: 0\nevent: ready\n");
  const { revokeToken } = await import("./token-store.ts");
  revokeToken(c.state, "alice", Date.now());
  for (let r = await reader.read(); !r.done; r = await reader.read());
  expect((await c.as(c.tokens.alice)("/api/v1/tickets")).status).toBe(401);
  expect((await c.as(undefined)("/api/v1/tickets", { headers: { cookie: session } })).status).toBe(401);
});

test("events: each journal entry once, with its id; a reconnect with Last-Event-ID resumes after it", async () => {
  await using c = await startTestConsole();
  const read = async (headers: Record<string, string>, count: number) => {
    const response = await c.as(c.tokens.victor)("/api/v1/events", { headers });
    const reader = response.body!.getReader();
    let text = "";
    const frames = () => text.split("\n\n").filter((f) => /^event: (?!ready)/m.test(f));
    while (frames().length < count) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    return frames().map((f) => ({ id: /id: (\d+)/.exec(f)![1], event: /event: (\w+)/.exec(f)![1], data: JSON.parse(/data: (.*)/.exec(f)![1]!) }));
  };
  const first = propose(c.state);
  const live = read({ "last-event-id": "0" }, 2);
  const approved = await c.as(c.tokens.alice)(`/api/v1/actions/${first.id}/approve`, post({}));
  expect(approved.status).toBe(200);
  const seen = await live;
  expect(seen.map((f) => [f.event, f.data.action.id, f.data.action.status])).toEqual([["action_proposed", first.id, "proposed"], ["action_approved", first.id, "approved"]]);
  await c.as(c.tokens.admin)("/api/v1/mode", { method: "PUT", body: JSON.stringify({ mode: "execute", why: "window" }) });
  const resumed = await read({ "last-event-id": seen[0]!.id! }, 2);
  expect(resumed.map((f) => f.event)).toEqual(["action_approved", "mode_changed"]);
  expect(resumed[1]!.data).toMatchObject({ mode: "execute", previous_mode: "observe", actor: "console:admin", why: "window" });
});

test("the mode is an admin's; the kill switch an approver's; tickets resolve with the caller's name", async () => {
  await using c = await startTestConsole();
  const { ticket } = openTicket(c.state, { subject: "demo", violation: { invariant: "node_up", resource: "node:b", severity: "critical", message: "b is down", evidence: {} }, firstSeenAt: Date.now(), now: Date.now(), actor: "monitor", why: "seen" });
  const action = propose(c.state, undefined, ticket.id);
  const setMode = (token: string) => c.as(token)("/api/v1/mode", { method: "PUT", body: JSON.stringify({ mode: "execute", why: "window" }) });
  expect(await json(await setMode(c.tokens.alice))).toMatchObject({ status: 403, body: { message: "token alice is an approver: only an admin may change the mode" } });
  expect(await json(await setMode(c.tokens.admin))).toMatchObject({ status: 200, body: { mode: "execute", previous_mode: "observe", updated_by: "console:admin" } });
  expect(await json(await c.as(c.tokens.victor)("/api/v1/kill-switch", post({ why: "stop" })))).toMatchObject({ status: 403 });
  const killed = await json(await c.as(c.tokens.alice)("/api/v1/kill-switch", post({ why: "stop" })));
  expect(killed).toMatchObject({ status: 200, body: { mode: "observe", previous_mode: "execute", cancelled: [{ id: action.id, status: "cancelled" }] } });
  expect(getMode(c.state)).toMatchObject({ mode: "observe", updatedBy: "console:alice" });
  const detail = await json(await c.as(c.tokens.victor)(`/api/v1/tickets/${ticket.id}`));
  expect(detail.body).toMatchObject({ ticket: { id: ticket.id, status: "open" }, diagnosis: null, actions: [{ id: action.id, status: "cancelled" }] });
  expect(await json(await c.as(c.tokens.alice)(`/api/v1/tickets/${ticket.id}/resolve`, post({ why: "fixed by hand" })))).toMatchObject({ status: 200, body: { ticket: { status: "resolved" }, changed: true } });
});

test("lists are paged newest first with a cursor; the audit filters by since; metrics count requests and actions", async () => {
  await using c = await startTestConsole();
  const ids = ["a", "b", "c"].map((node) => proposeAction(c.state, { subject: "demo", ticketId: null, name: "restart", params: { node }, risk: "low", why: "w", actor: "t", now: Date.now() }).record.id);
  const first = await json(await c.as(c.tokens.victor)("/api/v1/actions?limit=2"));
  expect(first.body.actions.map((a: any) => a.id)).toEqual([ids[2], ids[1]]);
  const second = await json(await c.as(c.tokens.victor)(`/api/v1/actions?limit=2&cursor=${first.body.next_cursor}`));
  expect(second.body.actions.map((a: any) => a.id)).toEqual([ids[0]]);
  expect(second.body.next_cursor).toBeNull();
  expect((await json(await c.as(c.tokens.victor)("/api/v1/audit?limit=1"))).body.entries.length).toBe(1);
  expect((await json(await c.as(c.tokens.victor)("/api/v1/audit?since=2999-01-01T00:00:00Z"))).body.entries).toEqual([]);
  const metrics = await (await fetch(new URL("/metrics", c.url))).text();
  expect(metrics).toContain('operator_actions{status="proposed"} 3');
  expect(metrics).toMatch(/operator_console_requests_total\{method="GET",route="\/api\/v1\/actions",status="200"\} 2/);
  expect(await json(await fetch(new URL("/healthz", c.url)))).toMatchObject({ status: 200, body: { status: "ok", monitor_running: false, pending_actions: 3, warning: "3 action(s) wait, but no monitor has completed a cycle in the last 60 s: an approval runs only when a monitor runs (operator monitor --mode execute)" } });
});
