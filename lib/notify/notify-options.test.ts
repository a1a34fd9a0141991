import { describe, expect, test } from "bun:test";
import { repeatedFlags, resolveOptions } from "../cli/config.ts";
import { notifyOptions, notifyTargets } from "./notify-options.ts";

const resolve = (rawArgs: string[], env: Record<string, string> = {}) => {
  // citty keeps only the last of a repeated flag: the parsed args as it gives them.
  const last: Record<string, string> = {};
  for (let i = 0; i < rawArgs.length; i++) if (rawArgs[i] === "--notify") last.notify = rawArgs[++i]!;
  return resolveOptions(notifyOptions, { ...last, ...repeatedFlags(notifyOptions, rawArgs) }, env);
};

describe("the monitor's notification flags", () => {
  test("--notify is repeatable, OPERATOR_NOTIFY is comma-separated, the flag wins; the defaults are 10 s and 30 days", () => {
    const flags = resolve(["--notify", "alertmanager+http://127.0.0.1:9093", "--notify=webhook+http://127.0.0.1:8080/hook"], { OPERATOR_NOTIFY: "webhook+http://ignored:1/x" });
    expect(notifyTargets(flags).map((t) => t.display)).toEqual(["alertmanager+http://127.0.0.1:9093/", "webhook+http://127.0.0.1:8080/hook"]);
    const fromEnv = resolve([], { OPERATOR_NOTIFY: "alertmanager+http://a:9093, webhook+http://b:80/x" });
    expect(notifyTargets(fromEnv).map((t) => t.kind)).toEqual(["alertmanager", "webhook"]);
    expect([fromEnv.groupWait, fromEnv.notifyRetention]).toEqual([10_000, 30 * 86_400_000]);
    expect(notifyTargets(resolve([]))).toEqual([]);
  });

  test("the same URL twice is one target", () => {
    expect(notifyTargets(resolve(["--notify", "alertmanager+http://a:9093", "--notify", "alertmanager+http://a:9093"]))).toHaveLength(1);
  });
});
