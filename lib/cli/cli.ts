// How a command is declared: an options table, positionals, examples and a run function that
// returns its exit code. The table gives citty its args and --help; the resolver gives run typed options.
import { defineCommand, type ArgsDef, type CommandDef } from "citty";
import { defineOptions, flagName, repeatedFlags, resolveOptions, toCittyArgs, Switch, NonEmptyText, type OptionTable, type ResolvedOptions } from "./config.ts";
import { usageError } from "./errors.ts";
import { setLogLevel } from "./log.ts";
import { createOutput, type Output } from "./output.ts";

type Env = Record<string, string | undefined>;

/** Options every command has. */
export const globalOptions = defineOptions({
  json: { env: "OPERATOR_JSON", schema: Switch, boolean: true, help: "machine-readable output on stdout (NDJSON for streams)" },
  debug: { env: "OPERATOR_DEBUG", schema: Switch, boolean: true, help: "verbose logs on stderr, stacks for internal errors" },
});

/** The state directory option, for commands that keep state (tickets, cluster, chaos). */
export const stateDirOption = defineOptions({
  stateDir: { env: "OPERATOR_STATE_DIR", default: "./.operator", schema: NonEmptyText, help: "where the state database, cluster records and logs live" },
});

export interface Positional {
  name: string;
  help: string;
  required?: boolean;
}

export interface RunContext<T extends OptionTable> {
  options: ResolvedOptions<T & typeof globalOptions>;
  /** Positionals by name, then any extra ones in `rest`. */
  positionals: Record<string, string | undefined>;
  rest: string[];
  out: Output;
  env: Env;
  /** Aborted on the first SIGINT/SIGTERM; long work stops cleanly when it fires. */
  signal: AbortSignal;
}

export interface CommandSpec<T extends OptionTable> {
  name: string;
  description: string;
  examples?: string[];
  options: T;
  positionals?: readonly Positional[];
  /** Left out of the parent's command list (helpers that other commands start). */
  hidden?: boolean;
  /** Returns the exit code (0 when nothing is returned). */
  run(ctx: RunContext<T>): Promise<number | void> | number | void;
}

interface Runtime {
  env: Env;
  signal: AbortSignal;
}
let runtime: Runtime = { env: {}, signal: new AbortController().signal };
let exitCode = 0;

/** Set once by cmd/main.ts: the process environment and the shutdown signal. */
export function configureCli(next: Runtime): void {
  runtime = next;
}
export const lastExitCode = () => exitCode;

function assertKnownFlags(rawArgs: string[], table: OptionTable, name: string): void {
  const known = new Set(["help", "h"]);
  for (const [key, spec] of Object.entries(table)) {
    known.add(flagName(key));
    known.add(key);
    if (spec.boolean) known.add(`no-${flagName(key)}`);
    if (spec.alias) known.add(spec.alias);
  }
  for (const arg of rawArgs) {
    if (arg === "--") break;
    const match = /^--?([^=]+)/.exec(arg);
    if (!match || /^-\d/.test(arg)) continue;
    if (!known.has(match[1]!)) {
      throw usageError("unknown_flag", `unknown flag ${arg.split("=")[0]} for "${name}": see operator ${name} --help`);
    }
  }
}

export function defineOperatorCommand<const T extends OptionTable>(spec: CommandSpec<T>): CommandDef<ArgsDef> {
  const table = { ...globalOptions, ...spec.options } as T & typeof globalOptions;
  const args: ArgsDef = { ...toCittyArgs(table) };
  for (const p of spec.positionals ?? []) {
    args[p.name] = { type: "positional", description: p.help, required: p.required ?? false };
  }
  const command = defineCommand({
    // citty prints the parent command before a subcommand's name: "parent child" shows as "child".
    meta: { name: spec.name.split(" ").at(-1), description: spec.description, ...(spec.hidden ? { hidden: true } : {}) },
    args,
    async run({ args: parsed, rawArgs }) {
      assertKnownFlags(rawArgs, table, spec.name);
      const options = resolveOptions(table, { ...parsed, ...repeatedFlags(table, rawArgs) }, runtime.env);
      setLogLevel({ debug: options.debug === true });
      const positionals: Record<string, string | undefined> = {};
      const names = (spec.positionals ?? []).map((p) => p.name);
      const given = parsed._.map(String);
      names.forEach((n, i) => (positionals[n] = given[i]));
      for (const p of spec.positionals ?? []) {
        if (p.required && !positionals[p.name]) {
          throw usageError("missing_argument", `missing ${p.name.toUpperCase()}: ${p.help} (see operator ${spec.name} --help)`);
        }
      }
      const out = createOutput({ json: options.json === true });
      const code = await spec.run({ options, positionals, rest: given.slice(names.length), out, env: runtime.env, signal: runtime.signal });
      exitCode = code ?? 0;
    },
  });
  if (spec.examples?.length) examples.set(command, spec.examples);
  return command;
}

const examples = new WeakMap<object, string[]>();

/** The help text's tail: examples, shown after citty's usage. */
export function examplesOf(command: object): string {
  const list = examples.get(command);
  return list ? `\nEXAMPLES\n\n${list.map((e) => `  $ ${e}`).join("\n")}\n` : "";
}
