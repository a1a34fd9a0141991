// Notifications in metrics: deliveries per target and status, read from the delivery records at
// each scrape (so every process that opens the state counts the same, across monitor restarts).
// A gauge: pruning after the retention makes it smaller.
import { Gauge, type Registry } from "prom-client";
import type { State } from "../state/state.ts";
import { countDeliveries, DELIVERY_STATUSES } from "./outbox.ts";

export function registerNotificationMetrics(registry: Registry, state: State): void {
  new Gauge({
    name: "operator_notifications",
    help: "incident transitions per notification target (secrets redacted) and delivery status: pending, sent, failed (given up), skipped",
    labelNames: ["target", "kind", "status"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const counts of countDeliveries(state)) {
        for (const status of DELIVERY_STATUSES) this.set({ target: counts.target, kind: counts.kind, status }, counts[status]);
      }
    },
  });
}
