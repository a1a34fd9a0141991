// Choosing the subject of a command: `--subject` (env OPERATOR_SUBJECT). The subject's own options
// join the command's table, so its name is read from the raw arguments before citty parses them.
import { defineOptions, NonEmptyText } from "./config.ts";
import { DEFAULT_SUBJECT, subjectNames } from "./registry.ts";

export const subjectOption = defineOptions({
  subject: { env: "OPERATOR_SUBJECT", default: DEFAULT_SUBJECT, schema: NonEmptyText, help: `the subject to watch: ${subjectNames().join(", ")} (see operator subjects)` },
});

/** The subject named by `--subject X`, `--subject=X`, env OPERATOR_SUBJECT, or the default. */
export function subjectNameIn(rawArgs: string[], env: Record<string, string | undefined>): string {
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") break;
    if (arg === "--subject" && rawArgs[i + 1] !== undefined) return rawArgs[i + 1]!;
    if (arg.startsWith("--subject=")) return arg.slice("--subject=".length);
  }
  return env.OPERATOR_SUBJECT?.trim() || DEFAULT_SUBJECT;
}
