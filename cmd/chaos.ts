// operator chaos: faults as leases on the local cluster recorded in the state dir. One subcommand
// per fault of that cluster's subject, its parameters as flags; list, status, revert.
import { defineCommand, type CommandDef } from "citty";
import { defineOperatorCommand, stateDirOption, type RunContext } from "../lib/cli.ts";
import { injectFault, revertAll, revertExpired, revertFault, waitThenRevert } from "../lib/chaos/engine.ts";
import { faultJson, type FaultDefinition } from "../lib/chaos/fault.ts";
import { catalogueJson, renderCatalogue, renderFault } from "../lib/chaos/render.ts";
import { openChaosSession, type ChaosEnv, type ChaosSession } from "../lib/chaos/session.ts";
import { listFaults } from "../lib/chaos/store.ts";
import { runWatchdog } from "../lib/chaos/watchdog-loop.ts";
import { defineOptions, PositiveDuration, Switch, type OptionTable } from "../lib/config.ts";
import { loadDeployment } from "../lib/deployment.ts";
import { usageError } from "../lib/errors.ts";
import { loadSubject } from "../lib/registry.ts";
import { selfCommand } from "./self-command.ts";

const leaseOptions = defineOptions({
  duration: { env: "OPERATOR_CHAOS_DURATION", default: "10s", schema: PositiveDuration, help: "how long the fault lasts before it is reverted" },
  wait: { schema: Switch, boolean: true, help: "block until the revert (Ctrl-C reverts at once)" },
  stack: { schema: Switch, boolean: true, help: "allow a second fault on a target that already has one" },
  dryRun: { schema: Switch, boolean: true, help: "print the plan (target, revert) and touch nothing" },
  ...stateDirOption,
});

const envOf = (ctx: RunContext<OptionTable>, stateDir: string): ChaosEnv => ({ stateDir, env: ctx.env, selfCommand: selfCommand(), signal: ctx.signal, note: ctx.out.note });

/** Opens the cluster's chaos session, reverts what expired, runs `work`, closes. */
async function withSession<T>(ctx: RunContext<OptionTable>, stateDir: string, work: (session: ChaosSession) => Promise<T>): Promise<T> {
  const session = await openChaosSession(envOf(ctx, stateDir));
  try {
    for (const { record } of await revertExpired(session)) ctx.out.note(`expired: ${renderFault(record)}`);
    return await work(session);
  } finally {
    session.close();
  }
}

function faultCommand(fault: FaultDefinition) {
  return defineOperatorCommand({
    name: `chaos ${fault.name}`,
    description: `${fault.description}. Target: ${fault.targets}.`,
    examples: [`operator chaos ${fault.name} --duration 5s${"node" in fault.options ? " --node b" : ""}`, `operator chaos ${fault.name} --dry-run --json${"random" in fault.options ? " --random" : ""}`],
    options: { ...fault.options, ...leaseOptions },
    async run(ctx) {
      const { stateDir, duration, wait, stack, dryRun, json: _j, debug: _d, ...given } = ctx.options as Record<string, unknown> & { stateDir: string; duration: number; wait: boolean; stack: boolean; dryRun: boolean };
      const params = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined && v !== false));
      return withSession(ctx, stateDir, async (session) => {
        const outcome = await injectFault(session, fault.name, params, { durationMs: duration, stack, dryRun });
        if (outcome.dryRun) {
          const { plan } = outcome;
          ctx.out.result({ dry_run: true, fault: fault.name, target: plan.target.resource, target_identity: plan.target.identity, params, duration_ms: outcome.durationMs, summary: plan.summary, revert_plan: plan.revert }, `dry run, nothing touched: ${plan.summary} for ${outcome.durationMs} ms`);
          return 0;
        }
        if (!wait) {
          ctx.out.result(faultJson(outcome.record), `injected ${renderFault(outcome.record)}\nthe watchdog reverts it at expiry; operator chaos revert ${outcome.record.id} ends it now`);
          return 0;
        }
        ctx.out.note(`injected ${renderFault(outcome.record)}; waiting (Ctrl-C reverts now)`);
        const reverted = await waitThenRevert(session, outcome.record, ctx.signal);
        ctx.out.result(faultJson(reverted.record), renderFault(reverted.record));
        return reverted.outcome === "failed" ? 1 : 0;
      });
    },
  });
}

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

async function subCommands(): Promise<Record<string, CommandDef<any>>> {
  const subject = loadDeployment(stateDirNamed(process.argv.slice(2), process.env))?.subject ?? "ratelimiter";
  const faults = (await loadSubject(subject)).faults ?? [];
  const list = defineOperatorCommand({
    name: "chaos list",
    description: "The faults chaos can inject into this subject's cluster, with their parameters.",
    examples: ["operator chaos list", "operator chaos list --json | jq -r '.faults[].name'"],
    options: { ...stateDirOption },
    run: ({ out }) => out.result(catalogueJson(subject, faults), renderCatalogue(faults)),
  });
  return { list, status, revert, watchdog, ...Object.fromEntries(faults.map((f) => [f.name, faultCommand(f)])) };
}

export default defineCommand({
  meta: { name: "chaos", description: "Break the local cluster on purpose, as leases that always end: list, status, revert, and one command per fault." },
  subCommands,
});
