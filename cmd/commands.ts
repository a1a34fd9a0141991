// The command tree of `operator`, built for one command line: some commands take their flags from
// the subject the line names (monitor --subject etcd) or from the cluster it acts on (chaos).
import type { CommandDef } from "citty";
import pkg from "../package.json" with { type: "json" };

type Env = Record<string, string | undefined>;

export interface CommandLine {
  /** The arguments after the binary's name. */
  argv: string[];
  env: Env;
  /** The subject of the local cluster `chaos` acts on; when absent, the one recorded in the state dir. */
  clusterSubject?: string;
}

export function operatorCommand(line: CommandLine): CommandDef<any> {
  const { argv, env } = line;
  // One line per command, loaded only when named.
  const commands: Record<string, () => Promise<CommandDef<any>>> = {
    subjects: () => import("./subjects.ts").then((m) => m.default),
    ratelimiter: () => import("./ratelimiter.ts").then((m) => m.default),
    monitor: () => import("./monitor.ts").then((m) => m.default(argv, env)),
    tickets: () => import("./tickets.ts").then((m) => m.default),
    incidents: () => import("./incidents.ts").then((m) => m.default),
    diagnose: () => import("./diagnose.ts").then((m) => m.default(argv, env)),
    actions: () => import("./actions.ts").then((m) => m.default),
    mode: () => import("./mode.ts").then((m) => m.default),
    "kill-switch": () => import("./kill-switch.ts").then((m) => m.default),
    audit: () => import("./audit.ts").then((m) => m.default),
    loadgen: () => import("./loadgen.ts").then((m) => m.default),
    cluster: () => import("./cluster.ts").then((m) => m.default(argv, env)),
    chaos: () => import("./chaos.ts").then((m) => m.default(argv, env, line.clusterSubject)),
    "link-proxy": () => import("./link-proxy.ts").then((m) => m.default),
    demo: () => import("./demo.ts").then((m) => m.default),
    eval: () => import("./eval.ts").then((m) => m.default),
    notify: () => import("./notify.ts").then((m) => m.default),
    notifications: () => import("./notifications.ts").then((m) => m.default),
    console: () => import("./console.ts").then((m) => m.default(argv)),
  };
  return {
    meta: {
      name: "operator",
      version: pkg.version,
      description:
        "A distributed rate limiter, its local cluster, load and chaos, and an operator that watches any subject.\n" +
        "Every command takes --json (stdout: one JSON document, or NDJSON for streams) and --help.\n" +
        "Exit codes: 0 ok, 1 unhealthy, 2 usage/input error, 3 target unreachable, 70 internal error.",
    },
    subCommands: commands,
  };
}
