// What a command gives a subject it opens: the state dir, and a way to restart a part of the
// local deployment recorded there (for actions such as a node restart).
import type { RunContext } from "../lib/cli/cli.ts";
import type { OptionTable } from "../lib/cli/config.ts";
import type { SubjectContext } from "../lib/subject/subject.ts";
import { selfCommand } from "./self-command.ts";

export function subjectContext(stateDir: string, ctx: Pick<RunContext<OptionTable>, "env" | "out">): SubjectContext {
  return {
    stateDir,
    async restartPart(part, signal) {
      // Loaded only when a restart is asked for: the cluster engine is not light.
      const { clusterRestart } = await import("../lib/cluster/cluster.ts");
      await clusterRestart({ stateDir, env: ctx.env, selfCommand: selfCommand(), signal, note: ctx.out.note }, part);
    },
  };
}
