// What a command gives a subject it opens: the state dir, and a way to restart a part of the
// local deployment recorded there (for actions such as a node restart).
import type { RunContext } from "../lib/cli.ts";
import type { OptionTable } from "../lib/config.ts";
import type { SubjectContext } from "../lib/subject.ts";
import { selfCommand } from "./self-command.ts";

export function subjectContext(stateDir: string, ctx: Pick<RunContext<OptionTable>, "env" | "out">): SubjectContext {
  return {
    stateDir,
    async restartPart(part, signal) {
      // Loaded only when a restart is asked for: the cluster engine is not light.
      const { clusterRestart } = await import("../lib/cluster.ts");
      await clusterRestart({ stateDir, env: ctx.env, selfCommand: selfCommand(), signal, note: ctx.out.note }, part);
    },
  };
}
