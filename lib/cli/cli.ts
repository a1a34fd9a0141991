// How a command is declared: an options table, positionals, examples and a run function that
// returns its exit code. The table gives citty its args and --help; the resolver gives run typed options.
import { defineCommand, parseArgs, type ArgsDef, type CommandDef } from "citty";
import { defineOptions, flagName, repeatedFlags, resolveOptions, toCittyArgs, Switch, NonEmptyText, type OptionTable, type ResolvedOptions } from "./config.ts";
import { isOperatorError, usageError } from "./errors.ts";
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
  /**
   * Checks the names the options and positionals carry (a subject, a scenario, a chapter) and
   * throws a usage error for an unknown one. No side effect: it also vets documented examples.
   */
  check?(input: Pick<RunContext<T>, "options" | "positionals">): Promise<void> | void;
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

type Parsed = { _: unknown[] } & Record<string, unknown>;

/** What `run` reads from a command line before it acts: every flag known, every value through its schema, positionals present, names checked. */
async function prepareInvocation<T extends OptionTable>(spec: CommandSpec<T>, table: T & typeof globalOptions, parsed: Parsed, rawArgs: string[], env: Env) {
  assertKnownFlags(rawArgs, table, spec.name);
  const options = resolveOptions(table, { ...parsed, ...repeatedFlags(table, rawArgs) }, env);
  const positionals: Record<string, string | undefined> = {};
  const names = (spec.positionals ?? []).map((p) => p.name);
  const given = parsed._.map(String);
  names.forEach((n, i) => (positionals[n] = given[i]));
  for (const p of spec.positionals ?? []) {
    if (p.required && !positionals[p.name]) {
      throw usageError("missing_argument", `missing ${p.name.toUpperCase()}: ${p.help} (see operator ${spec.name} --help)`);
    }
  }
  await spec.check?.({ options, positionals });
  return { options, positionals, rest: given.slice(names.length) };
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
      const { options, positionals, rest } = await prepareInvocation(spec, table, parsed, rawArgs, runtime.env);
      setLogLevel({ debug: options.debug === true });
      const out = createOutput({ json: options.json === true });
      const code = await spec.run({ options, positionals, rest, out, env: runtime.env, signal: runtime.signal });
      exitCode = code ?? 0;
    },
  });
  if (spec.examples?.length) examples.set(command, spec.examples);
  preparers.set(command, async (parsed, rawArgs, env) => void (await prepareInvocation(spec, table, parsed, rawArgs, env)));
  return command;
}

const preparers = new WeakMap<object, (parsed: Parsed, rawArgs: string[], env: Env) => Promise<void>>();

const resolved = async <V>(value: V | (() => V | Promise<V>) | Promise<V>): Promise<V> =>
  typeof value === "function" ? await (value as () => V | Promise<V>)() : await value;

/** Where citty's runCommand finds the subcommand: the first word that is not a flag or a string flag's value. */
function subCommandIndex(rawArgs: string[], args: ArgsDef): number {
  const valueFlags = new Set(Object.entries(args).filter(([, a]) => a.type === "string" || a.type === "enum").flatMap(([k, a]) => [k, ...("alias" in a ? [a.alias ?? []].flat() : [])]));
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") return -1;
    if (!arg.startsWith("-")) return i;
    if (!arg.includes("=") && valueFlags.has(arg.replace(/^-{1,2}/, ""))) i++;
  }
  return -1;
}

/**
 * Checks one command line against the command tree as a run would see it, and runs nothing: the
 * command path exists, citty parses it, then the very step `run` takes first (known flags, each
 * value through its schema, required positionals, the command's `check`). Returns the one-line
 * problem a run would exit 2 with, or undefined when the line would start.
 */
export async function checkCommandLine(root: CommandDef<any>, rawArgs: string[], env: Env): Promise<string | undefined> {
  try {
    let command = root;
    let rest = rawArgs;
    let path = "operator";
    for (;;) {
      const args = ((await resolved(command.args)) ?? {}) as ArgsDef;
      const subCommands = (await resolved(command.subCommands)) as Record<string, unknown> | undefined;
      if (!subCommands || Object.keys(subCommands).length === 0) break;
      const at = subCommandIndex(rest, args);
      if (at < 0) {
        if (command.run) break;
        return `${path}: no command given: see ${path} --help`;
      }
      const name = rest[at]!;
      if (!(name in subCommands)) return `${path}: unknown command ${name}: see ${path} --help`;
      command = (await resolved(subCommands[name])) as CommandDef<any>;
      rest = rest.slice(at + 1);
      path = `${path} ${name}`;
    }
    const prepare = preparers.get(command);
    if (!prepare) return `${path}: not declared with defineOperatorCommand, so it cannot be checked without running it`;
    const args = ((await resolved(command.args)) ?? {}) as ArgsDef;
    await prepare(parseArgs(rest, args) as Parsed, rest, env);
    return undefined;
  } catch (error) {
    if (isOperatorError(error)) return error.message;
    if (error instanceof Error && error.name === "CLIError") return error.message.replace(/\u001b\[[0-9;]*m/g, "");
    throw error;
  }
}

const examples = new WeakMap<object, string[]>();

/** The help text's tail: examples, shown after citty's usage. */
export function examplesOf(command: object): string {
  const list = examples.get(command);
  return list ? `\nEXAMPLES\n\n${list.map((e) => `  $ ${e}`).join("\n")}\n` : "";
}
