// Where notifications go: one `--notify` URL parsed into a target (its kind, the endpoint it posts
// to, the lowest severity it hears of), a stable id for the delivery table, and a display form
// with every secret the URL carries (passwords, Slack's webhook token, tokens in paths) hidden.
import { createHash } from "node:crypto";
import { REDACTED, redactText } from "../diagnosis/redact.ts";
import { usageError } from "../cli/errors.ts";
import type { Severity } from "../subject/subject.ts";

export const TARGET_KINDS = ["alertmanager", "slack", "pagerduty", "webhook"] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export const ACCEPTED_FORMS =
  "alertmanager+http(s)://HOST:PORT, slack+https://hooks.slack.com/services/..., pagerduty+https://events.pagerduty.com/v2/enqueue " +
  "or webhook+http(s)://HOST/PATH, each optionally ending in ?min_severity=warning|critical";

export interface NotifyTarget {
  kind: TargetKind;
  /** sha256 of the URL as given, 16 hex: the key of this target's rows in the delivery table. */
  id: string;
  /** The URL as given, secrets hidden: for logs, `--json`, `notifications list`. */
  display: string;
  /** The http(s) URL requests go to (Alertmanager: its base; the API path is added when sending). */
  endpoint: string;
  /** `Authorization` for a URL with `user:password@` (sent as Basic, never shown). */
  authorization: string | undefined;
  /** The lowest severity this target hears of. */
  minSeverity: Severity;
  /** PagerDuty's integration key (`OPERATOR_PAGERDUTY_ROUTING_KEY`). */
  routingKey: string | undefined;
  /** HMAC key of webhook signatures (`OPERATOR_NOTIFY_SECRET`). */
  signingSecret: string | undefined;
  /** Every secret in this target's URL and settings: redacted from whatever it prints. */
  secrets: string[];
}

export interface TargetSecrets {
  pagerdutyRoutingKey?: string | undefined;
  notifySecret?: string | undefined;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
export const isAtLeast = (severity: Severity, min: Severity) => SEVERITY_RANK[severity] >= SEVERITY_RANK[min];

/** PagerDuty pages a person at any hour: only critical incidents, unless the URL says otherwise. */
const DEFAULT_MIN_SEVERITY: Record<TargetKind, Severity> = { alertmanager: "info", slack: "info", pagerduty: "critical", webhook: "info" };

// A path segment this long is a token more often than a name (Slack's is 24, most webhook tokens longer).
const TOKEN_SEGMENT = /^[A-Za-z0-9_-]{16,}$/;

/** `text` with what looks secret hidden, for a URL that did not parse into a target. */
const hideSecrets = (text: string) =>
  redactText(text)
    .replace(/(\/services\/[^/?#]+\/[^/?#]+\/)[^/?#]+/g, `$1${REDACTED}`)
    .replace(/\/[A-Za-z0-9_-]{16,}/g, `/${REDACTED}`)
    .replace(/([?&](?!min_severity=)[^=&#]+=)[^&#]+/g, `$1${REDACTED}`);

/** Parses one `--notify` URL; a usage error (exit 2) names the accepted forms. `source` names where it came from. */
export function parseTarget(text: string, secrets: TargetSecrets = {}, source = "--notify"): NotifyTarget {
  const badTarget = (text: string, why: string) =>
    usageError("invalid_notify_target", `${source} "${hideSecrets(text)}" ${why}: use ${ACCEPTED_FORMS}${source === "--notify" ? " (env OPERATOR_NOTIFY, comma-separated)" : ""}`);
  const match = /^([a-z]+)\+(https?:\/\/.*)$/i.exec(text.trim());
  const kind = match?.[1]?.toLowerCase() as TargetKind | undefined;
  if (!match || !kind || !(TARGET_KINDS as readonly string[]).includes(kind) || !URL.canParse(match[2]!)) {
    throw badTarget(text, "is not a notification target");
  }
  const url = new URL(match[2]!);
  const minText = url.searchParams.get("min_severity");
  if (minText !== null && minText !== "info" && minText !== "warning" && minText !== "critical") {
    throw badTarget(text, `has min_severity "${minText}" (not info, warning or critical)`);
  }
  url.searchParams.delete("min_severity");
  const hidden: string[] = [];
  let authorization: string | undefined;
  if (url.username || url.password) {
    authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
    if (url.password) hidden.push(url.password, decodeURIComponent(url.password));
  }
  const shown = new URL(url);
  shown.username = url.username;
  shown.password = url.password ? REDACTED : "";
  const segments = url.pathname.split("/");
  const isSlackToken = (i: number) => kind === "slack" && segments[1] === "services" && i >= 4;
  shown.pathname = segments
    .map((s, i) => (s && (isSlackToken(i) || TOKEN_SEGMENT.test(s)) ? (hidden.push(s), REDACTED) : s))
    .join("/");
  for (const [name, value] of url.searchParams) {
    if (value) hidden.push(value);
    shown.searchParams.set(name, REDACTED);
  }
  if (kind === "pagerduty" && !secrets.pagerdutyRoutingKey) {
    throw usageError("missing_routing_key", `${source} ${kind}+… needs the PagerDuty integration's routing key in env OPERATOR_PAGERDUTY_ROUTING_KEY`);
  }
  const routingKey = kind === "pagerduty" ? secrets.pagerdutyRoutingKey : undefined;
  const signingSecret = kind === "webhook" ? secrets.notifySecret : undefined;
  const minSeverity = (minText as Severity | null) ?? DEFAULT_MIN_SEVERITY[kind];
  const display = `${kind}+${decodeURI(shown.toString())}${minText ? `${shown.search ? "&" : "?"}min_severity=${minText}` : ""}`;
  return {
    kind,
    id: createHash("sha256").update(text.trim()).digest("hex").slice(0, 16),
    display,
    endpoint: withoutCredentials(url),
    authorization,
    minSeverity,
    routingKey,
    signingSecret,
    secrets: [...hidden, ...(routingKey ? [routingKey] : []), ...(signingSecret ? [signingSecret] : [])],
  };
}

function withoutCredentials(url: URL): string {
  const bare = new URL(url);
  bare.username = "";
  bare.password = "";
  return bare.toString();
}

/** Redacts `text` with every target's secrets and the usual shapes (for logs, stored errors, --json). */
export const redactFor = (targets: readonly NotifyTarget[], text: string) => redactText(text, targets.flatMap((t) => t.secrets));
