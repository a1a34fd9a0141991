/// <reference lib="dom" />
// What the page shows: the status bar (mode, monitor, kill switch), open tickets or incidents with
// their evidence, diagnosis and actions, and the audit timeline. Pure renderers: data in, nodes out.
import type { Me } from "./api.ts";
import { h, relative, time } from "./dom.ts";

export interface Handlers {
  decide(actionId: number, verb: "approve" | "reject", why: string): void;
  resolveTicket(ticketId: number, why: string): void;
  killSwitch(why: string): void;
  setMode(mode: string, why: string): void;
}

const canAct = (me: Me) => me.role !== "viewer";

export function renderStatus(status: any, me: Me, on: Handlers): Node[] {
  const monitor = status.monitors[0];
  const nodes: Node[] = [
    h("span", {}, "Mode: ", h("strong", { id: "mode" }, status.mode)),
    h("span", {}, "Monitor: ", monitor ? h("span", {}, monitor.running ? "running" : "not running", ", last cycle ", time(monitor.last_cycle_at)) : "never ran"),
    h("span", {}, `Pending actions: ${status.pending_actions}`),
  ];
  if (canAct(me)) {
    const why = h("input", { "aria-label": "Why stop", placeholder: "why stop", required: true }) as HTMLInputElement;
    nodes.push(h("form", { onsubmit: (e) => { e.preventDefault(); on.killSwitch(why.value); } }, why, h("button", { type: "submit", class: "kill" }, "Kill switch")));
  }
  if (me.role === "admin") {
    const select = h("select", { "aria-label": "Mode" }, h("option", { value: "observe" }, "observe"), h("option", { value: "execute" }, "execute")) as HTMLSelectElement;
    select.value = status.mode;
    const why = h("input", { "aria-label": "Why change the mode", placeholder: "why", required: true }) as HTMLInputElement;
    nodes.push(h("form", { onsubmit: (e) => { e.preventDefault(); on.setMode(select.value, why.value); } }, select, why, h("button", { type: "submit" }, "Set mode")));
  }
  if (status.warning) nodes.push(h("p", { class: "warning", role: "status" }, status.warning));
  return nodes;
}

function renderAction(a: any, me: Me, on: Handlers): Node {
  const waiting = a.status === "proposed";
  const why = h("input", { "aria-label": `Reason for action ${a.id} (optional)`, placeholder: "reason (optional)" }) as HTMLInputElement;
  return h("div", { class: "action", "data-action": String(a.id) },
    h("span", { class: "name" }, a.name), h("code", {}, JSON.stringify(a.params)),
    h("span", { class: `risk-${a.risk}` }, `${a.risk} risk`),
    h("span", { class: "state" }, a.status, a.verification ? ` (${a.verification.replace("_", " ")})` : ""),
    h("span", { class: "muted" }, `proposed ${relative(a.created_at)} by ${a.proposed_by}`, waiting && a.expires_at ? `, expires ${relative(a.expires_at)}` : ""),
    h("span", { class: "muted" }, a.why),
    waiting && canAct(me)
      ? h("form", { onsubmit: (e) => e.preventDefault() }, why,
          h("button", { type: "button", class: "approve", onclick: () => on.decide(a.id, "approve", why.value) }, `Approve #${a.id}`),
          h("button", { type: "button", class: "reject", onclick: () => on.decide(a.id, "reject", why.value) }, `Reject #${a.id}`))
      : null,
    a.result ? h("span", { class: "muted" }, `result: ${a.result.message}`) : null,
  );
}

function renderDiagnosis(d: any): Node {
  if (!d) return h("p", { class: "muted" }, "No diagnosis yet.");
  return h("div", {},
    h("p", {}, h("strong", {}, d.root_cause.component), ` (${d.fault_class}, confidence ${Math.round(d.root_cause.confidence * 100)}%, ${d.engine}): ${d.root_cause.summary}`),
    d.evidence.length ? h("ul", { class: "plain" }, d.evidence.map((e: string) => h("li", {}, e))) : null,
    d.alternatives.length ? h("div", {}, h("h3", {}, "Ruled out"), h("ul", { class: "plain" }, d.alternatives.map((a: any) => h("li", {}, h("strong", {}, `${a.component} ${a.fault_class}`), `: ${a.why_ruled_out}`)))) : null,
  );
}

/** One ticket with its evidence, diagnosis and actions. */
export function renderTicket(detail: any, me: Me, on: Handlers): Node {
  const t = detail.ticket;
  const reason = h("input", { "aria-label": `Why resolve ticket ${t.id}`, placeholder: "why resolve", required: true }) as HTMLInputElement;
  return h("article", { class: `card ${t.severity}`, id: `ticket-${t.id}` },
    h("h2", {}, h("span", { class: `sev ${t.severity}` }, t.severity), " ", h("a", { href: `#/tickets/${t.id}` }, `Ticket #${t.id}`), ` ${t.invariant} on ${t.resource}`),
    h("p", {}, t.last_message, " ", h("span", { class: "muted" }, "opened ", time(t.opened_at), ", ", t.status)),
    h("div", { class: "grid" },
      h("div", {}, h("h3", {}, "Diagnosis"), renderDiagnosis(detail.diagnosis)),
      h("div", {}, h("h3", {}, "Evidence"), h("pre", {}, JSON.stringify(t.last_evidence, null, 1))),
    ),
    h("h3", {}, "Actions"),
    detail.actions.length ? detail.actions.map((a: any) => renderAction(a, me, on)) : h("p", { class: "muted" }, "None proposed."),
    t.status === "open" && canAct(me) ? h("form", { class: "action", onsubmit: (e) => { e.preventDefault(); on.resolveTicket(t.id, reason.value); } }, reason, h("button", { type: "submit" }, `Resolve ticket #${t.id}`)) : null,
  );
}

/** One incident: what broke (its tickets and their evidence), why (the diagnosis), what to do (actions). */
export function renderIncident(i: any, me: Me, on: Handlers): Node {
  const cause = i.root_cause ? `${i.root_cause.component} ${i.root_cause.fault_class}` : "cause not yet diagnosed";
  return h("article", { class: `card ${i.severity}`, id: `incident-${i.id}` },
    h("h2", {}, h("span", { class: `sev ${i.severity}` }, i.severity), " ", h("a", { href: `#/incidents/${i.id}` }, `Incident #${i.id}`), `: ${cause}`),
    h("p", {}, i.root_cause?.summary ?? "", " ", h("span", { class: "muted" }, `${i.subject}, opened `, time(i.opened_at), `, ${i.status}`, i.merged_into ? `, merged into #${i.merged_into}` : "")),
    h("h3", {}, `Tickets (${i.tickets.length})`),
    h("ul", { class: "plain" }, i.tickets.map((t: any) => h("li", {}, h("a", { href: `#/tickets/${t.id}` }, `#${t.id}`), ` ${t.invariant} on ${t.resource} `, h("span", { class: `sev ${t.severity}` }, t.severity), ` ${t.status}`))),
    h("div", { class: "grid" },
      h("div", {}, h("h3", {}, "Diagnosis"), renderDiagnosis(i.diagnosis?.root_cause ? i.diagnosis : null)),
      h("div", {}, h("h3", {}, "Evidence"), (i.evidence ?? []).map((e: any) => h("details", {}, h("summary", {}, `#${e.ticket_id} ${e.message}`), h("pre", {}, JSON.stringify(e.evidence, null, 1))))),
    ),
    h("h3", {}, "Actions"),
    i.actions.length ? i.actions.map((a: any) => renderAction(a, me, on)) : h("p", { class: "muted" }, "None proposed."),
  );
}

export function renderOpen(incidents: any[], me: Me, on: Handlers): Node[] {
  return [h("h1", {}, `Open incidents (${incidents.length})`), ...(incidents.length ? incidents.map((i) => renderIncident(i, me, on)) : [h("p", { class: "muted" }, "Nothing is open. New incidents appear here as the monitor opens them.")])];
}

export function renderAudit(entries: any[]): Node[] {
  return [
    h("h1", {}, "Audit timeline"),
    h("table", {},
      h("thead", {}, h("tr", {}, ["When", "Who", "What", "Change", "Why"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, entries.map((e) => h("tr", {},
        h("td", {}, time(e.at)), h("td", {}, e.actor),
        h("td", {}, `${e.entity}${e.entity_id ? ` #${e.entity_id}` : ""} ${e.event}`),
        h("td", {}, e.from ? `${e.from} → ${e.to}` : e.to ?? ""), h("td", {}, e.why)))),
    ),
  ];
}
