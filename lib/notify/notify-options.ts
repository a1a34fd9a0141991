// The monitor's notification flags in one table, and the notifier they configure. Targets are
// parsed before the monitor starts, so a bad URL is exit 2 with the accepted forms, not a log line.
import { defineOptions, Duration, HttpUrl, List, PositiveDuration, Text, type ResolvedOptions } from "../cli/config.ts";
import type { State } from "../state/state.ts";
import { log } from "../cli/log.ts";
import type { EmitEvent } from "../monitor/monitor-stage.ts";
import { createNotifier, runNotifier, type Notifier } from "./notifier.ts";
import { parseTarget, redactFor, type NotifyTarget } from "./target.ts";

export const notifyOptions = defineOptions({
  notify: {
    env: "OPERATOR_NOTIFY",
    schema: List,
    repeatable: true,
    help: "send each incident there (repeatable; env comma-separated): alertmanager+http://HOST:9093, slack+https://hooks.slack.com/services/..., pagerduty+https://events.pagerduty.com/v2/enqueue, webhook+https://HOST/PATH; add ?min_severity=warning|critical",
  },
  consoleUrl: { env: "OPERATOR_CONSOLE_URL", schema: HttpUrl, help: "the operator console's address, for links in notifications (e.g. http://127.0.0.1:8090)" },
  groupWait: { env: "OPERATOR_NOTIFY_GROUP_WAIT", default: "10s", schema: Duration, help: "an incident's first message waits this long, so tickets that merge early page once" },
  notifyRetention: { env: "OPERATOR_NOTIFY_RETENTION", default: "30d", schema: PositiveDuration, help: "deliveries and journal entries older than this are pruned" },
  pagerdutyRoutingKey: { env: "OPERATOR_PAGERDUTY_ROUTING_KEY", schema: Text, secret: true, help: "the routing key of a pagerduty+ target's Events API v2 integration (prefer the env var)" },
  notifySecret: { env: "OPERATOR_NOTIFY_SECRET", schema: Text, secret: true, help: "signs webhook+ bodies: X-Operator-Signature: sha256=<HMAC-SHA256 hex> (prefer the env var)" },
});

export type NotifyOptions = ResolvedOptions<typeof notifyOptions>;

/** The targets of `--notify` (usage error on a bad one). */
export function notifyTargets(options: Pick<NotifyOptions, "notify" | "pagerdutyRoutingKey" | "notifySecret">): NotifyTarget[] {
  const secrets = { pagerdutyRoutingKey: options.pagerdutyRoutingKey || undefined, notifySecret: options.notifySecret || undefined };
  const targets = (options.notify ?? []).map((url) => parseTarget(url, secrets));
  return targets.filter((t, i) => targets.findIndex((o) => o.id === t.id) === i);
}

/** The notifier of `--notify`, or undefined without targets. */
export function notifierFrom(state: State, options: NotifyOptions, report: (data: Record<string, unknown>, human: string) => void): Notifier | undefined {
  const targets = notifyTargets(options);
  if (targets.length === 0) return undefined;
  return createNotifier({ state, targets, consoleUrl: options.consoleUrl, groupWaitMs: options.groupWait, retentionMs: options.notifyRetention, report });
}

/** How often each target's deliveries are looked at: a transition leaves within about a second. */
const PASS_EVERY_MS = 1_000;

/** Runs the notifier beside the monitor until `stop()` (or `signal`); a no-op without `--notify`. */
export function startNotifications(state: State, options: NotifyOptions, emit: EmitEvent, signal: AbortSignal): { stop(): Promise<void> } {
  const notifier = notifierFrom(state, options, (data, human) => emit("notification", data, human));
  if (!notifier) return { stop: async () => {} };
  log.info(`monitor: notifying ${notifier.targets.map((t) => t.display).join(", ")}`);
  const stopping = new AbortController();
  const running = runNotifier(notifier, {
    everyMs: PASS_EVERY_MS,
    signal: AbortSignal.any([signal, stopping.signal]),
    onError: (error) => {
      const message = redactFor(notifier.targets, error instanceof Error ? error.message : String(error));
      emit("error", { source: "notify", message }, `error (notify): ${message}`);
    },
  });
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
