// Options tables: one declaration per command gives citty's args, the --help text (env, default)
// and the typed, frozen result of flag > env > default, through one resolver.
import * as v from "valibot";
import { parseDurationMs } from "./duration.ts";
import { usageError } from "./errors.ts";

/** A schema that turns the text a user typed into a typed value; its message completes `--flag "x" …`. */
export type TextSchema<T> = v.GenericSchema<string, T>;

export interface OptionSpec<T = unknown> {
  /** Env var read when the flag is absent. */
  env?: string;
  /** Default, as the user would type it; without one the option is optional (undefined). */
  default?: string;
  schema: TextSchema<T>;
  help: string;
  /** A switch: `--flag` alone is true; its env reads 1/true/yes/on. */
  boolean?: boolean;
  /** Never echoed in --help defaults, logs or --json. */
  secret?: boolean;
  alias?: string;
  /** Must be given (by flag or env). */
  required?: boolean;
  /** The flag may be given several times; the values join with commas (as its env lists them). */
  repeatable?: boolean;
}

export type OptionTable = Record<string, OptionSpec<any>>;

type ValueOf<S> = S extends OptionSpec<infer T> ? T : never;
export type ResolvedOptions<T extends OptionTable> = {
  readonly [K in keyof T]: T[K] extends { default: string } | { required: true } | { boolean: true }
    ? ValueOf<T[K]>
    : ValueOf<T[K]> | undefined;
};

export const defineOptions = <const T extends OptionTable>(table: T): T => table;

export const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

// ---- schemas for text input ------------------------------------------------------------------

export const Text: TextSchema<string> = v.string();

export const NonEmptyText: TextSchema<string> = v.pipe(v.string(), v.trim(), v.nonEmpty("must not be empty"));

export const Switch: TextSchema<boolean> = v.pipe(
  v.string(),
  v.transform((s) => s.trim().toLowerCase()),
  v.picklist(["1", "0", "true", "false", "yes", "no", "on", "off", ""], "is not a boolean: use true or false"),
  v.transform((s) => ["1", "true", "yes", "on", ""].includes(s)),
);

export const Duration: TextSchema<number> = v.pipe(
  v.string(),
  v.transform((s) => parseDurationMs(s) ?? Number.NaN),
  v.check((ms) => !Number.isNaN(ms), "is not a duration: use 500ms, 10s or 2m"),
);

export const PositiveDuration: TextSchema<number> = v.pipe(
  Duration,
  v.check((ms) => ms > 0, "must be a positive duration such as 500ms, 10s or 2m"),
);

const integer = (what: string, min: number, max = Number.MAX_SAFE_INTEGER): TextSchema<number> =>
  v.pipe(
    v.string(),
    v.check((s) => /^\s*-?\d+\s*$/.test(s), `is not ${what}`),
    v.transform(Number),
    v.check((n) => n >= min && n <= max, `is not ${what}`),
  );

export const PositiveInt = integer("a positive integer", 1);
export const NonNegativeInt = integer("a non-negative integer", 0);
export const Port = integer("a port: use 0 (any free port) to 65535", 0, 65_535);

export const PositiveNumber: TextSchema<number> = v.pipe(
  v.string(),
  v.transform((s) => (s.trim() === "" ? Number.NaN : Number(s))),
  v.check((n) => Number.isFinite(n) && n > 0, "is not a positive number"),
);

export const NonNegativeNumber: TextSchema<number> = v.pipe(
  v.string(),
  v.transform((s) => (s.trim() === "" ? Number.NaN : Number(s))),
  v.check((n) => Number.isFinite(n) && n >= 0, "is not a number of zero or more"),
);

export const Ratio: TextSchema<number> = v.pipe(
  v.string(),
  v.transform((s) => (s.trim() === "" ? Number.NaN : Number(s))),
  v.check((n) => Number.isFinite(n) && n >= 0 && n <= 1, "is not a ratio: use a number from 0 to 1"),
);

export const OneOf = <const T extends readonly string[]>(choices: T): TextSchema<T[number]> =>
  v.pipe(v.string(), v.picklist(choices, `is not one of ${choices.join(", ")}`));

/** A comma-separated list of non-empty items. */
export const List: TextSchema<string[]> = v.pipe(
  v.string(),
  v.transform((s) => s.split(",").map((item) => item.trim()).filter(Boolean)),
);

export const HttpUrl: TextSchema<string> = v.pipe(
  v.string(),
  v.check((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), "is not an http(s) URL such as http://127.0.0.1:8080"),
  v.transform((s) => s.replace(/\/+$/, "")),
);

// ---- citty args and the resolver ----------------------------------------------------------------

/** The help line of one option: what it does, then its env var and default. */
export function describeOption(spec: OptionSpec): string {
  const extras = [spec.env && `env ${spec.env}`, spec.default !== undefined && !spec.secret && `default ${spec.default || '""'}`];
  const tail = extras.filter(Boolean).join(", ");
  return tail ? `${spec.help} [${tail}]` : spec.help;
}

export function toCittyArgs(table: OptionTable) {
  const args: Record<string, { type: "string" | "boolean"; description: string; alias?: string; valueHint?: string }> = {};
  for (const [key, spec] of Object.entries(table)) {
    args[flagName(key)] = {
      type: spec.boolean ? "boolean" : "string",
      description: describeOption(spec),
      ...(spec.alias ? { alias: spec.alias } : {}),
    };
  }
  return args;
}

type RawArgs = Record<string, unknown>;
type Env = Record<string, string | undefined>;

/** Every value of each repeatable flag in `rawArgs` (`--f a --f b`, `--f=a`), comma-joined: citty keeps only the last. */
export function repeatedFlags(table: OptionTable, rawArgs: readonly string[]): RawArgs {
  const joined: RawArgs = {};
  for (const [key, spec] of Object.entries(table)) {
    if (!spec.repeatable) continue;
    const flag = `--${flagName(key)}`;
    const values: string[] = [];
    for (let i = 0; i < rawArgs.length && rawArgs[i] !== "--"; i++) {
      const arg = rawArgs[i]!;
      if (arg === flag && i + 1 < rawArgs.length) values.push(rawArgs[++i]!);
      else if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1));
    }
    if (values.length > 1) joined[flagName(key)] = values.join(",");
  }
  return joined;
}

/** flag > env > default, each value through its schema; throws one usage error naming flag and env. */
export function resolveOptions<T extends OptionTable>(table: T, args: RawArgs, env: Env): ResolvedOptions<T> {
  const resolved: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    const flag = `--${flagName(key)}`;
    const fromFlag = args[flagName(key)] ?? args[key];
    let source: string;
    let text: string | undefined;
    if (fromFlag !== undefined && !(spec.boolean && fromFlag === false && env[spec.env ?? ""] !== undefined)) {
      source = flag;
      text = typeof fromFlag === "boolean" ? String(fromFlag) : Array.isArray(fromFlag) ? String(fromFlag.at(-1)) : String(fromFlag);
    } else if (spec.env && env[spec.env] !== undefined) {
      source = spec.env;
      text = env[spec.env];
    } else {
      source = flag;
      text = spec.default ?? (spec.boolean ? "false" : undefined);
    }
    if (text === undefined) {
      if (spec.required) {
        throw usageError("missing_option", `${flag} is required${spec.env ? ` (or env ${spec.env})` : ""}: ${spec.help}`);
      }
      resolved[key] = undefined;
      continue;
    }
    const parsed = v.safeParse(spec.schema, text);
    if (!parsed.success) {
      const shown = spec.secret ? "(hidden)" : JSON.stringify(text);
      const hint = source === flag && spec.env ? ` (env ${spec.env})` : source !== flag ? ` (flag ${flag})` : "";
      throw usageError("invalid_option", `${source} ${shown} ${parsed.issues[0].message}${hint}`);
    }
    resolved[key] = parsed.output;
  }
  return Object.freeze(resolved) as ResolvedOptions<T>;
}

/** The options as JSON-safe snake_case, secrets left out: for start lines and --json records. */
export function publicOptions<T extends OptionTable>(table: T, options: ResolvedOptions<T>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(table)
      .filter(([, spec]) => !spec.secret)
      .map(([key]) => [flagName(key).replaceAll("-", "_"), (options as Record<string, unknown>)[key]]),
  );
}
