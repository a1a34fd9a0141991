// operator notifications list: each incident transition's delivery to each target.
import type { CommandDef } from "citty";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { defineOptions, OneOf, PositiveInt } from "../lib/cli/config.ts";
import { countDeliveries, DELIVERY_STATUSES, listDeliveries, type DeliveryListing } from "../lib/notify/outbox.ts";
import { withState } from "../lib/state/state.ts";

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

const deliveryJson = (d: DeliveryListing) => ({
  target: d.target, kind: d.kind, incident_id: d.incidentId, journal_id: d.journalId, type: d.transition.type,
  status: d.status, attempts: d.attempts, next_attempt_at: d.status === "pending" ? iso(d.nextAttemptAt) : null,
  last_error: d.lastError ?? null, note: d.note ?? null, sent_at: iso(d.sentAt), at: iso(d.transition.at),
});

const line = (d: ReturnType<typeof deliveryJson>) =>
  `${d.at} incident #${d.incident_id} ${d.type.padEnd(17)} ${d.status.padEnd(7)} ${d.target}` +
  `${d.attempts > 1 ? ` (${d.attempts} attempts)` : ""}${d.last_error ? `: ${d.last_error}` : d.note && d.status === "skipped" ? `: ${d.note}` : ""}`;

const list = defineOperatorCommand({
  name: "notifications list",
  description: "List deliveries of incident transitions to the monitor's --notify targets, newest first, and the counts per target.",
  examples: ["operator notifications list", "operator notifications list --status failed", "operator notifications list --json | jq '.targets'"],
  options: defineOptions({
    status: { env: "OPERATOR_NOTIFICATION_STATUS", schema: OneOf(DELIVERY_STATUSES), help: "only deliveries in this status (pending, sent, failed, skipped)" },
    limit: { default: "100", schema: PositiveInt, help: "the newest N deliveries" },
    ...stateDirOption,
  }),
  run({ options, out }) {
    withState(options.stateDir, (state) => {
      const deliveries = listDeliveries(state, { status: options.status, limit: options.limit }).map(deliveryJson);
      const targets = countDeliveries(state);
      out.result({ deliveries, targets }, () =>
        [
          ...(deliveries.length ? deliveries.map(line) : ["no deliveries"]),
          ...targets.map((t) => `${t.target}: ${t.sent} sent, ${t.failed} failed, ${t.pending} pending, ${t.skipped} skipped`),
        ].join("\n"),
      );
    });
  },
});

const notifications: CommandDef<any> = {
  meta: { name: "notifications", description: "What the monitor's --notify targets were sent: list." },
  subCommands: { list },
};

export default notifications;
