// Choosing the subject of a command: `--subject` (env OPERATOR_SUBJECT), or the subject of the
// record it is given (a ticket knows its subject). The subject's own options join the command's
// table, so its name is read from the raw arguments before citty parses them.
import { parseArgs } from "citty";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { globalOptions, stateDirOption } from "../lib/cli/cli.ts";
import { defineOptions, NonEmptyText, toCittyArgs } from "../lib/cli/config.ts";
import { usageError } from "../lib/cli/errors.ts";
import { DEFAULT_SUBJECT, subjectNames } from "../lib/subject/registry.ts";
import { openState, STATE_DB_FILE } from "../lib/state/state.ts";
import { getTicket } from "../lib/monitor/tickets.ts";

export const subjectOption = defineOptions({
  subject: { env: "OPERATOR_SUBJECT", default: DEFAULT_SUBJECT, schema: NonEmptyText, help: `the subject to watch: ${subjectNames().join(", ")} (see operator subjects)` },
});

/** The subject named by `--subject X` or `--subject=X` on the command line, if any. */
export function subjectFlagIn(rawArgs: string[]): string | undefined {
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") break;
    if (arg === "--subject" && rawArgs[i + 1] !== undefined) return rawArgs[i + 1]!;
    if (arg.startsWith("--subject=")) return arg.slice("--subject=".length);
  }
  return undefined;
}

/** The subject named by `--subject X`, `--subject=X`, env OPERATOR_SUBJECT, or the default. */
export function subjectNameIn(rawArgs: string[], env: Record<string, string | undefined>): string {
  return subjectFlagIn(rawArgs) ?? (env.OPERATOR_SUBJECT?.trim() || DEFAULT_SUBJECT);
}

/**
 * The subject of the ticket a command like `diagnose 7` is given, read from the state dir before
 * the command is built; undefined when there is no such ticket (the command then says so itself).
 */
export function ticketSubjectIn(rawArgs: string[], env: Record<string, string | undefined>): string | undefined {
  const parsed = parseArgs(rawArgs, { ...toCittyArgs({ ...globalOptions, ...stateDirOption }) });
  const id = parsed._.map(String).find((a) => /^\d+$/.test(a));
  const stateDir = String(parsed["state-dir"] ?? parsed.stateDir ?? env.OPERATOR_STATE_DIR ?? stateDirOption.stateDir.default);
  if (id === undefined || !existsSync(join(stateDir, STATE_DB_FILE))) return undefined;
  try {
    const state = openState(stateDir);
    try {
      return getTicket(state, Number(id)).subject;
    } finally {
      state.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * The subject for a command about one ticket: the ticket's own. A `--subject` flag that names
 * another is a usage error; an OPERATOR_SUBJECT left in the environment gives way to the record.
 */
export function subjectForTicket(rawArgs: string[], env: Record<string, string | undefined>): string {
  const flagged = subjectFlagIn(rawArgs);
  const recorded = ticketSubjectIn(rawArgs, env);
  if (flagged !== undefined && recorded !== undefined && flagged !== recorded) {
    const id = parseArgs(rawArgs, {})._.map(String).find((a) => /^\d+$/.test(a));
    throw usageError("wrong_subject", `ticket ${id} is about subject ${recorded}, not ${flagged}: drop --subject ${flagged} (the ticket knows its subject)`);
  }
  return flagged ?? recorded ?? subjectNameIn(rawArgs, env);
}
