// operator notify test URL: one test message to a notification target, and what came back.
import type { CommandDef } from "citty";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { defineOptions } from "../lib/cli/config.ts";
import { ExitCode } from "../lib/cli/errors.ts";
import { notifyOptions } from "../lib/notify/notify-options.ts";
import { installId } from "../lib/notify/outbox.ts";
import { parseTarget } from "../lib/notify/target.ts";
import { sendTest, testMessage } from "../lib/notify/test-message.ts";
import { openState } from "../lib/state/state.ts";

const { consoleUrl, pagerdutyRoutingKey, notifySecret } = notifyOptions;

const test = defineOperatorCommand({
  name: "notify test",
  description: "Send one test message (a made-up info incident) to a notification target and print its answer: exit 0 when it took it, 3 when it could not be reached or refused.",
  examples: [
    "operator notify test alertmanager+http://127.0.0.1:9093",
    "operator notify test 'slack+https://hooks.slack.com/services/T0/B0/XXXX' --console-url http://127.0.0.1:8090",
    "OPERATOR_PAGERDUTY_ROUTING_KEY=... operator notify test pagerduty+https://events.pagerduty.com/v2/enqueue --json",
  ],
  options: defineOptions({ consoleUrl, pagerdutyRoutingKey, notifySecret, ...stateDirOption }),
  positionals: [{ name: "url", help: "a --notify target URL (see operator monitor --help)", required: true }],
  check: ({ options, positionals }) => void parseTarget(positionals.url!, { pagerdutyRoutingKey: options.pagerdutyRoutingKey, notifySecret: options.notifySecret }, "URL"),
  async run({ options, positionals, out }) {
    const target = parseTarget(positionals.url!, { pagerdutyRoutingKey: options.pagerdutyRoutingKey, notifySecret: options.notifySecret }, "URL");
    const state = openState(options.stateDir);
    let id: string;
    try {
      id = installId(state);
    } finally {
      state.close();
    }
    const outcome = await sendTest(target, testMessage(id, Date.now(), options.consoleUrl));
    out.result(outcome, (o) => `${o.ok ? "sent" : "failed"}: ${o.target} answered ${o.status ?? "nothing"}${o.error ? ` (${o.error})` : ""}${o.reply ? `\n${o.reply}` : ""}`);
    return outcome.ok ? ExitCode.ok : ExitCode.unreachable;
  },
});

const notify: CommandDef<any> = {
  meta: { name: "notify", description: "Notification targets: send a test message (the monitor's --notify delivers incidents)." },
  subCommands: { test },
};

export default notify;
