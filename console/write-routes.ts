// The console's write side: a person's decisions, each recorded with the token's name as the actor
// (`console:alice`). The same lib functions as the CLI, so the same rules hold (409 when an action
// is no longer proposed, saying why).
import type { Hono } from "hono";
import { actionJson } from "../lib/actions/action-store.ts";
import { approveAction, rejectAction } from "../lib/actions/approval.ts";
import { engageKillSwitch, getMode, setMode } from "../lib/actions/settings.ts";
import type { State } from "../lib/state/state.ts";
import { resolveTicket, ticketJson } from "../lib/monitor/tickets.ts";
import { actorOf, requireRole, type ConsoleEnv } from "./auth.ts";
import { modeJson } from "./read-routes.ts";
import { idParam, ModeBody, OptionalWhyBody, readBody, WhyBody } from "./request.ts";

export function mountWriteRoutes(api: Hono<ConsoleEnv>, state: State, now: () => number): void {
  api.post("/actions/:id/approve", requireRole("approver"), async (c) => {
    const id = idParam(c, "action");
    const { why } = await readBody(c, OptionalWhyBody);
    const action = approveAction(state, id, actorOf(c.get("caller")), why ?? "approved in the console", now());
    return c.json({ action: actionJson(action), mode: getMode(state).mode });
  });
  api.post("/actions/:id/reject", requireRole("approver"), async (c) => {
    const id = idParam(c, "action");
    const { why } = await readBody(c, WhyBody);
    const action = rejectAction(state, id, actorOf(c.get("caller")), why, now());
    return c.json({ action: actionJson(action), mode: getMode(state).mode });
  });
  api.post("/tickets/:id/resolve", requireRole("approver"), async (c) => {
    const id = idParam(c, "ticket");
    const { why } = await readBody(c, WhyBody);
    const { ticket, changed } = resolveTicket(state, id, { now: now(), actor: actorOf(c.get("caller")), why });
    return c.json({ ticket: ticketJson(ticket), changed });
  });
  api.put("/mode", requireRole("admin"), async (c) => {
    const { mode, why } = await readBody(c, ModeBody);
    const previous = setMode(state, mode, actorOf(c.get("caller")), why, now());
    return c.json({ ...modeJson(getMode(state)), previous_mode: previous });
  });
  api.post("/kill-switch", requireRole("approver"), async (c) => {
    const { why } = await readBody(c, WhyBody);
    const outcome = engageKillSwitch(state, actorOf(c.get("caller")), why, now());
    return c.json({ mode: "observe", previous_mode: outcome.previousMode, cancelled: outcome.cancelled.map(actionJson), executing: outcome.executing.map(actionJson) });
  });
}
