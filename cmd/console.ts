// operator console: the HTTP API and web page over the state db; `console token add|list|revoke`
// manages who may use it. Built once the words are known: `console token ...` is a command group,
// `console --port 0` is the server (a flag's value must not be read as a subcommand).
import { defineCommand, type CommandDef } from "citty";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { NonEmptyText, Port } from "../lib/cli/config.ts";
import { log } from "../lib/cli/log.ts";
import { tokenCommands } from "./console-token.ts";

const serve = defineOperatorCommand({
  name: "console",
  description:
    "Serve the operator's HTTP API (/api/v1) and web page over the state db, so people approve, reject and stop from a browser " +
    "under their own name. The first start creates an admin token (a 0600 file in the state dir) and prints a sign-in link. " +
    "Tokens: operator console token add|list|revoke --help.",
  examples: ["operator console", "operator console --port 0 --json", "operator console token add alice --role approver --expires 30d"],
  options: {
    ...stateDirOption,
    host: { env: "OPERATOR_CONSOLE_HOST", default: "127.0.0.1", schema: NonEmptyText, help: "address to listen on (beyond loopback: put it behind a TLS reverse proxy)" },
    port: { env: "OPERATOR_CONSOLE_PORT", default: "7070", schema: Port, help: "0 = any free port (the URL is on the start line)" },
  },
  async run({ options, out, signal }) {
    // Loaded here, not at the top: the page's build-time bundle is not needed for --help.
    const { startConsole } = await import("../console/server.ts");
    const running = startConsole({ stateDir: options.stateDir, host: options.host, port: options.port }, out, (line) => log.error(line));
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    out.note(`console: ${String(signal.reason ?? "signal")}, stopping`);
    await running.stop();
  },
});

export default function consoleCommand(argv: string[]): CommandDef<any> {
  const words = argv.filter((a) => !a.startsWith("-"));
  if (words[0] === "console" && words[1] === "token") {
    return defineCommand({ meta: { name: "console", description: "Console tokens and the console server." }, subCommands: { token: tokenCommands } });
  }
  return serve;
}
