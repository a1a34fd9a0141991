// One `operator chaos <fault>` command, generated from a subject's fault definition: its own
// parameters as flags, plus the lease flags every fault has.
import { defineOperatorCommand, stateDirOption, type RunContext } from "../lib/cli/cli.ts";
import { injectFault, revertExpired, waitThenRevert } from "../lib/chaos/engine.ts";
import { faultJson, type FaultDefinition } from "../lib/chaos/fault.ts";
import { renderFault } from "../lib/chaos/render.ts";
import { openChaosSession, type ChaosEnv, type ChaosSession } from "../lib/chaos/session.ts";
import { defineOptions, PositiveDuration, Switch, type OptionTable } from "../lib/cli/config.ts";
import { selfCommand } from "./self-command.ts";

const leaseOptions = defineOptions({
  duration: { env: "OPERATOR_CHAOS_DURATION", default: "10s", schema: PositiveDuration, help: "how long the fault lasts before it is reverted" },
  wait: { schema: Switch, boolean: true, help: "block until the revert (Ctrl-C reverts at once)" },
  stack: { schema: Switch, boolean: true, help: "allow a second fault on a target that already has one" },
  dryRun: { schema: Switch, boolean: true, help: "print the plan (target, revert) and touch nothing" },
  ...stateDirOption,
});

export const envOf = (ctx: RunContext<OptionTable>, stateDir: string): ChaosEnv => ({ stateDir, env: ctx.env, selfCommand: selfCommand(), signal: ctx.signal, note: ctx.out.note });

/** Opens the cluster's chaos session, reverts what expired, runs `work`, closes. */
export async function withSession<T>(ctx: RunContext<OptionTable>, stateDir: string, work: (session: ChaosSession) => Promise<T>): Promise<T> {
  const session = await openChaosSession(envOf(ctx, stateDir));
  try {
    for (const { record } of await revertExpired(session)) ctx.out.note(`expired: ${renderFault(record)}`);
    return await work(session);
  } finally {
    session.close();
  }
}

export function faultCommand(fault: FaultDefinition) {
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
