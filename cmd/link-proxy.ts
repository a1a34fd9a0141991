// operator link-proxy (hidden): one node's TCP link to its upstream, with controllable latency and
// cut; `cluster up` starts one per node. Prints one JSON line when listening; SIGTERM stops it.
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { defineOperatorCommand } from "../lib/cli/cli.ts";
import { defineOptions, Port, Text } from "../lib/cli/config.ts";
import { usageError } from "../lib/cli/errors.ts";
import { serveLinkControl } from "../lib/link-proxy/control.ts";
import { startLinkProxy } from "../lib/link-proxy/proxy.ts";

const HostPort = v.pipe(v.string(), v.regex(/^[^:\s]+:\d{1,5}$/, "is not HOST:PORT, e.g. 127.0.0.1:6379"));

const options = defineOptions({
  upstream: { schema: HostPort, required: true, help: "where the link leads (HOST:PORT)" },
  host: { default: "127.0.0.1", schema: Text, help: "address to listen on" },
  port: { default: "0", schema: Port, help: "port to listen on; 0 = any free port (printed)" },
  controlPort: { default: "0", schema: Port, help: "loopback port of the HTTP control (GET/PUT /link); 0 = any" },
  tokenFile: { schema: Text, help: "file holding the bearer token the control requires (none: no auth)" },
});

export default defineOperatorCommand({
  name: "link-proxy",
  description: "A TCP link with controllable latency, jitter and cut (started by cluster up, one per node).",
  examples: ["operator link-proxy --upstream 127.0.0.1:6379 --port 0 --json"],
  hidden: true,
  options,
  async run({ options: o, out, signal }) {
    const [upstreamHost, upstreamPort] = o.upstream.split(":") as [string, string];
    let token: string | undefined;
    if (o.tokenFile) {
      try {
        token = readFileSync(o.tokenFile, "utf8").trim();
      } catch (error) {
        throw usageError("token_file", `--token-file ${o.tokenFile} cannot be read: ${(error as Error).message}`, { cause: error });
      }
    }
    const proxy = startLinkProxy({ host: o.host, port: o.port, upstreamHost, upstreamPort: Number(upstreamPort) });
    const control = serveLinkControl(proxy, { port: o.controlPort, token });
    const controlUrl = `http://127.0.0.1:${control.port}`;
    out.result({ port: proxy.port, upstream: o.upstream, control_url: controlUrl }, `link 127.0.0.1:${proxy.port} -> ${o.upstream}, control ${controlUrl}/link`);
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    control.stop(true);
    proxy.stop();
  },
});
