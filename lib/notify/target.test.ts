import { describe, expect, test } from "bun:test";
import { isOperatorError } from "../cli/errors.ts";
import { parseTarget } from "./target.ts";

const SLACK_TOKEN = "abcdEFGHijklMNOPqrstUVWX";
const secrets = { pagerdutyRoutingKey: "R0UT1NGK3Y0123456789abcdefABCDEF", notifySecret: "s3cret-signing-key" };

const failure = (text: string) => {
  try {
    parseTarget(text, secrets);
  } catch (error) {
    return isOperatorError(error) ? { exitCode: error.exitCode, message: error.message } : error;
  }
  return undefined;
};

describe("notification targets", () => {
  test("each URL form: the endpoint it posts to, its severity floor, a display with the secrets hidden", () => {
    const pick = (text: string) => {
      const t = parseTarget(text, secrets);
      return { kind: t.kind, endpoint: t.endpoint, display: t.display, minSeverity: t.minSeverity, authorization: t.authorization };
    };
    expect([
      pick("alertmanager+http://127.0.0.1:9093"),
      pick(`slack+https://hooks.slack.com/services/T0123/B0456/${SLACK_TOKEN}`),
      pick("pagerduty+https://events.pagerduty.com/v2/enqueue"),
      pick("webhook+https://ops:pa55word@hooks.example.com/operator?min_severity=warning"),
      pick("pagerduty+https://events.eu.pagerduty.com/v2/enqueue?min_severity=warning"),
    ]).toEqual([
      { kind: "alertmanager", endpoint: "http://127.0.0.1:9093/", display: "alertmanager+http://127.0.0.1:9093/", minSeverity: "info", authorization: undefined },
      { kind: "slack", endpoint: `https://hooks.slack.com/services/T0123/B0456/${SLACK_TOKEN}`, display: "slack+https://hooks.slack.com/services/T0123/B0456/[REDACTED]", minSeverity: "info", authorization: undefined },
      { kind: "pagerduty", endpoint: "https://events.pagerduty.com/v2/enqueue", display: "pagerduty+https://events.pagerduty.com/v2/enqueue", minSeverity: "critical", authorization: undefined },
      { kind: "webhook", endpoint: "https://hooks.example.com/operator", display: "webhook+https://ops:[REDACTED]@hooks.example.com/operator?min_severity=warning", minSeverity: "warning", authorization: `Basic ${btoa("ops:pa55word")}` },
      { kind: "pagerduty", endpoint: "https://events.eu.pagerduty.com/v2/enqueue", display: "pagerduty+https://events.eu.pagerduty.com/v2/enqueue?min_severity=warning", minSeverity: "warning", authorization: undefined },
    ]);
  });

  test("a bad URL is exit 2 with one line naming the accepted forms, and no secret of it", () => {
    const forms = "use alertmanager+http(s)://HOST:PORT, slack+https://hooks.slack.com/services/..., pagerduty+https://events.pagerduty.com/v2/enqueue or webhook+http(s)://HOST/PATH, each optionally ending in ?min_severity=warning|critical (env OPERATOR_NOTIFY, comma-separated)";
    expect(failure("https://hooks.slack.com/services/T0/B0/" + SLACK_TOKEN)).toEqual({ exitCode: 2, message: `--notify "https://hooks.slack.com/services/T0/B0/[REDACTED]" is not a notification target: ${forms}` });
    expect(failure("teams+https://example.com/x")).toEqual({ exitCode: 2, message: `--notify "teams+https://example.com/x" is not a notification target: ${forms}` });
    expect(failure("webhook+https://example.com/x?min_severity=loud")).toEqual({ exitCode: 2, message: `--notify "webhook+https://example.com/x?min_severity=loud" has min_severity "loud" (not info, warning or critical): ${forms}` });
    expect(failure("webhook+nonsense")).toMatchObject({ exitCode: 2 });
    expect(() => parseTarget("pagerduty+https://events.pagerduty.com/v2/enqueue", {})).toThrow("needs the PagerDuty integration's routing key in env OPERATOR_PAGERDUTY_ROUTING_KEY");
  });

  test("the same URL is the same target id across runs; another URL another id", () => {
    const a = parseTarget("alertmanager+http://127.0.0.1:9093", secrets);
    expect(parseTarget("alertmanager+http://127.0.0.1:9093", secrets).id).toBe(a.id);
    expect(parseTarget("alertmanager+http://127.0.0.1:9094", secrets).id).not.toBe(a.id);
    expect(parseTarget(`slack+https://hooks.slack.com/services/T0123/B0456/${SLACK_TOKEN}`, secrets).secrets).toContain(SLACK_TOKEN);
  });
});
