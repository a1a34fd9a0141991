// operator chaos: faults as leases on the local cluster recorded in the state dir. One subcommand
// per fault of that cluster's subject, its parameters as flags; list, status, revert.
import { defineCommand, type CommandDef } from "citty";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { runDriver } from "../lib/chaos/run-driver.ts";
import { revertAll, revertFault } from "../lib/chaos/engine.ts";
import { faultJson } from "../lib/chaos/fault.ts";
import { catalogueJson, renderCatalogue, renderFault } from "../lib/chaos/render.ts";
import { listFaults } from "../lib/chaos/store.ts";
import { runWatchdog } from "../lib/chaos/watchdog-loop.ts";
import { Switch } from "../lib/cli/config.ts";
import { loadDeployment } from "../lib/cluster/deployment.ts";
import { usageError } from "../lib/cli/errors.ts";
import { loadSubject } from "../lib/subject/registry.ts";
import { envOf, faultCommand, withSession } from "./chaos-fault.ts";

const revert = defineOperatorCommand({
  name: "chaos revert",
  description: "Revert a fault now (or every active one with --all), checked from outside; harmless when already reverted.",
  examples: ["operator chaos revert 3", "operator chaos revert --all --json"],
  options: { all: { schema: Switch, boolean: true, help: "revert every active fault" }, ...stateDirOption },
  positionals: [{ name: "id", help: "the fault's id (operator chaos status lists them)" }],
  async run(ctx) {
    const id = ctx.positionals.id;
    if (!ctx.options.all && (id === undefined || !/^\d+$/.test(id))) throw usageError("missing_fault_id", "say which fault: operator chaos revert ID (a number from operator chaos status) or --all");
    return withSession(ctx, ctx.options.stateDir, async (session) => {
      const outcomes = ctx.options.all ? await revertAll(session) : [await revertFault(session, Number(id))];
      const records = outcomes.map((o) => o.record);
      ctx.out.result(ctx.options.all ? { faults: records.map((r) => faultJson(r)) } : faultJson(records[0]!), records.map((r) => renderFault(r)).join("\n") || "no active fault");
      return outcomes.some((o) => o.outcome === "failed") ? 1 : 0;
    });
  },
});

const status = defineOperatorCommand({
  name: "chaos status",
  description: "Active faults with the time left (--all: recent reverted ones too).",
  examples: ["operator chaos status", "operator chaos status --all --json"],
  options: { all: { schema: Switch, boolean: true, help: "include the last 50 faults, reverted ones too" }, ...stateDirOption },
  async run(ctx) {
    return withSession(ctx, ctx.options.stateDir, async (session) => {
      const faults = listFaults(session.state, ctx.options.all ? { limit: 50 } : { activeOnly: true });
      ctx.out.result({ faults: faults.map((f) => faultJson(f)) }, faults.map((f) => renderFault(f)).join("\n") || "no active fault");
    });
  },
});

const drive = defineOperatorCommand({
  name: "chaos drive",
  description: "Drives a fault that is traffic for its lease (started by the fault itself, stopped by its revert).",
  hidden: true,
  options: { ...stateDirOption },
  positionals: [{ name: "id", help: "the fault's id", required: true }],
  async run(ctx) {
    await runDriver(envOf(ctx, ctx.options.stateDir), Number(ctx.positionals.id));
  },
});

const watchdog = defineOperatorCommand({
  name: "chaos watchdog",
  description: "Reverts faults when their lease ends (started by chaos itself, one per state dir).",
  hidden: true,
  options: { ...stateDirOption },
  async run(ctx) {
    await runWatchdog(envOf(ctx, ctx.options.stateDir));
  },
});

/** The state dir as the command line or env will give it: which cluster's faults to offer. */
function stateDirNamed(argv: string[], env: Record<string, string | undefined>): string {
  const at = argv.findIndex((a) => a === "--state-dir" || a.startsWith("--state-dir="));
  if (at < 0) return env.OPERATOR_STATE_DIR ?? "./.operator";
  return argv[at]!.includes("=") ? argv[at]!.split("=")[1]! : argv[at + 1] ?? "";
}

async function subCommands(argv: string[], env: Record<string, string | undefined>, clusterSubject?: string): Promise<Record<string, CommandDef<any>>> {
  const subject = clusterSubject ?? loadDeployment(stateDirNamed(argv, env))?.subject ?? "ratelimiter";
  const faults = (await loadSubject(subject)).faults ?? [];
  const list = defineOperatorCommand({
    name: "chaos list",
    description: "The faults chaos can inject into this subject's cluster, with their parameters.",
    examples: ["operator chaos list", "operator chaos list --json | jq -r '.faults[].name'"],
    options: { ...stateDirOption },
    run: ({ out }) => out.result(catalogueJson(subject, faults), renderCatalogue(faults)),
  });
  return { list, status, revert, watchdog, drive, ...Object.fromEntries(faults.map((f) => [f.name, faultCommand(f)])) };
}

/** `clusterSubject` names the subject whose faults to offer; by default the one of the cluster in the state dir. */
export default function chaosCommand(argv: string[], env: Record<string, string | undefined>, clusterSubject?: string): CommandDef<any> {
  return defineCommand({
    meta: { name: "chaos", description: "Break the local cluster on purpose, as leases that always end: list, status, revert, and one command per fault." },
    subCommands: () => subCommands(argv, env, clusterSubject),
  });
}
