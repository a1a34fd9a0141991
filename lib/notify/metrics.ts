// Notifications in Prometheus text: deliveries per target and status, read from the delivery
// records (so every process that opens the state, the console's /metrics among them, counts the
// same, across monitor restarts). A gauge: pruning after the retention makes it smaller.
import type { State } from "../state.ts";
import { countDeliveries, DELIVERY_STATUSES } from "./outbox.ts";

const escapeLabel = (value: string) => value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");

export function notificationMetrics(state: State): string {
  const lines = [
    "# HELP operator_notifications Incident transitions per notification target (secrets redacted) and delivery status, within the retention.",
    "# TYPE operator_notifications gauge",
  ];
  for (const counts of countDeliveries(state)) {
    for (const status of DELIVERY_STATUSES) {
      lines.push(`operator_notifications{target="${escapeLabel(counts.target)}",kind="${counts.kind}",status="${status}"} ${counts[status]}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
