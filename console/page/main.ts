/// <reference lib="dom" />
// The console page: sign in (a token from the URL fragment or the form), then show what is open,
// live from the event stream, with deep links (#/incidents/12, #/tickets/3, #/audit).
import { ApiError, get, send, signIn, signOut, whoAmI, type Me } from "./api.ts";
import { renderAudit, renderIncident, renderOpen, renderStatus, renderTicket, type Handlers } from "./views.ts";

const $ = (id: string) => document.getElementById(id)!;
let me: Me | undefined;
let events: EventSource | undefined;

function notice(text: string, ok = false): void {
  const el = $("notice");
  el.textContent = text;
  el.className = ok ? "ok" : "";
  el.hidden = text === "";
}

const handlers: Handlers = {
  decide: (id, verb, why) => act(() => send("POST", `/actions/${id}/${verb}`, why.trim() ? { why: why.trim() } : verb === "reject" ? { why: "rejected in the console" } : {}), `Action #${id} ${verb === "approve" ? "approved" : "rejected"}.`),
  resolveTicket: (id, why) => act(() => send("POST", `/tickets/${id}/resolve`, { why }), `Ticket #${id} resolved.`),
  killSwitch: (why) => act(() => send("POST", "/kill-switch", { why }), "Kill switch engaged: pending actions cancelled, mode observe."),
  setMode: (mode, why) => act(() => send("PUT", "/mode", { mode, why }), `Mode set to ${mode}.`),
};

async function act(call: () => Promise<unknown>, done: string): Promise<void> {
  try {
    await call();
    notice(done, true);
  } catch (error) {
    notice(error instanceof Error ? error.message : String(error));
    if (error instanceof ApiError && error.status === 401) return showSignIn();
  }
  await refresh();
}

/** What a person was doing, by control: typed reasons and the focused control outlive a re-render. */
const controlKey = (el: Element) => `${el.tagName}:${el.getAttribute("aria-label") ?? el.textContent}`;
function keepControls(): () => void {
  const typed = new Map([...document.querySelectorAll<HTMLInputElement>("#app input")].map((i) => [controlKey(i), i.value]));
  const focused = document.activeElement && $("app").contains(document.activeElement) ? controlKey(document.activeElement) : undefined;
  return () => {
    for (const input of document.querySelectorAll<HTMLInputElement>("#app input")) input.value = typed.get(controlKey(input)) ?? input.value;
    if (focused) ([...document.querySelectorAll<HTMLElement>("#app input, #app button, #app select, #app a")].find((el) => controlKey(el) === focused))?.focus();
  };
}

async function render(): Promise<void> {
  if (!me) return;
  const restore = keepControls();
  const route = location.hash.replace(/^#/, "") || "/";
  const status = await get<any>("/status");
  $("status").replaceChildren(...renderStatus(status, me, handlers));
  const ticket = /^\/tickets\/(\d+)$/.exec(route);
  const incident = /^\/incidents\/(\d+)$/.exec(route);
  let view: Node[];
  if (route === "/audit") view = renderAudit((await get<any>("/audit?limit=200")).entries);
  else if (ticket) view = [renderTicket(await get<any>(`/tickets/${ticket[1]}`), me, handlers)];
  else if (incident) view = [renderIncident(await get<any>(`/incidents/${incident[1]}`), me, handlers)];
  else {
    const open = (await get<any>("/incidents?status=open&limit=100")).incidents;
    view = renderOpen(await Promise.all(open.map((i: any) => get<any>(`/incidents/${i.id}`))), me, handlers);
  }
  $("view").replaceChildren(...view);
  restore();
}

let pending: Promise<void> | undefined;
let again = false;
/** Renders again; calls that arrive while rendering fold into one more render. */
async function refresh(): Promise<void> {
  if (pending) {
    again = true;
    return pending;
  }
  pending = render()
    .catch((error) => {
      if (error instanceof ApiError && error.status === 401) return showSignIn();
      notice(error instanceof Error ? error.message : String(error));
    })
    .finally(() => {
      pending = undefined;
      if (again) {
        again = false;
        void refresh();
      }
    });
  return pending;
}

function listen(): void {
  events?.close();
  events = new EventSource("/api/v1/events");
  events.onmessage = () => void refresh();
  const actions = ["proposed", "approved", "executing", "succeeded", "failed", "rejected", "cancelled", "expired", "needs_review", "verified", "not_verified"].map((s) => `action_${s}`);
  for (const type of ["ready", "ticket_opened", "ticket_resolved", "incident_opened", "incident_updated", "incident_resolved", "mode_changed", "kill_switch", ...actions]) {
    events.addEventListener(type, () => void refresh());
  }
  events.addEventListener("error", () => {
    // A closed stream (a revoked token, an ended session) does not reconnect: check the session.
    if (events?.readyState === EventSource.CLOSED) void whoAmI().then((who) => (who ? listen() : showSignIn()));
  });
}

function showSignIn(): void {
  me = undefined;
  events?.close();
  $("app").hidden = true;
  $("signout").hidden = true;
  $("who").textContent = "";
  $("signin").hidden = false;
}

function showApp(who: Me): void {
  me = who;
  $("signin").hidden = true;
  $("app").hidden = false;
  $("signout").hidden = false;
  $("who").textContent = `${who.name} (${who.role})`;
  listen();
  void refresh();
}

async function start(): Promise<void> {
  // A sign-in link carries the token in the fragment (never sent to a server): take it, then
  // remove it from the address bar and from history before anything else happens.
  const fromLink = /^#token=([^&]+)/.exec(location.hash)?.[1];
  if (fromLink) history.replaceState(null, "", `${location.pathname}${location.search}#/`);
  try {
    const who = fromLink ? await signIn(decodeURIComponent(fromLink)) : await whoAmI();
    return who ? showApp(who) : showSignIn();
  } catch (error) {
    notice(error instanceof Error ? error.message : String(error));
    showSignIn();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = $("token") as HTMLInputElement;
    try {
      const who = await signIn(input.value.trim());
      input.value = "";
      notice("");
      showApp(who);
    } catch (error) {
      notice(error instanceof Error ? error.message : String(error));
    }
  });
  $("signout").addEventListener("click", async () => {
    await signOut().catch(() => undefined);
    showSignIn();
  });
  window.addEventListener("hashchange", () => void refresh());
  // Ages ("3 min ago") and the monitor's pulse stay current without an event.
  setInterval(() => void refresh(), 15_000);
  void start();
});
