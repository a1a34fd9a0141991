// GET /metrics: the console's own request counts and the state's figures (open incidents and
// tickets by severity, actions by status, notifications per target), read from the state db at each scrape.
import { Counter, Gauge, Registry } from "prom-client";
import { ACTION_STATUSES, listActions } from "../lib/actions/action-store.ts";
import { listIncidents } from "../lib/incidents/incidents.ts";
import { registerNotificationMetrics } from "../lib/notify/metrics.ts";
import type { State } from "../lib/state/state.ts";
import { listTickets } from "../lib/monitor/tickets.ts";

const SEVERITIES = ["info", "warning", "critical"] as const;

export function createConsoleMetrics(state: State) {
  const registry = new Registry();
  const requests = new Counter({ name: "operator_console_requests_total", help: "console HTTP requests by method, route and status", labelNames: ["method", "route", "status"] as const, registers: [registry] });
  new Gauge({
    name: "operator_open_incidents", help: "open incidents by severity", labelNames: ["severity"] as const, registers: [registry],
    collect() {
      const open = listIncidents(state, { status: "open", limit: 100_000 });
      for (const severity of SEVERITIES) this.set({ severity }, open.filter((i) => i.severity === severity).length);
    },
  });
  new Gauge({
    name: "operator_open_tickets", help: "open tickets by severity", labelNames: ["severity"] as const, registers: [registry],
    collect() {
      const open = listTickets(state, { status: "open", limit: 100_000 });
      for (const severity of SEVERITIES) this.set({ severity }, open.filter((t) => t.severity === severity).length);
    },
  });
  new Gauge({
    name: "operator_actions", help: "actions by status", labelNames: ["status"] as const, registers: [registry],
    collect() {
      const all = listActions(state);
      for (const status of ACTION_STATUSES) this.set({ status }, all.filter((a) => a.status === status).length);
    },
  });
  registerNotificationMetrics(registry, state);
  return {
    registry,
    count(method: string, route: string, status: number) {
      requests.inc({ method, route, status: String(status) });
    },
  };
}

export type ConsoleMetrics = ReturnType<typeof createConsoleMetrics>;
