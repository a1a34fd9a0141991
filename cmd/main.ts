#!/usr/bin/env bun
// Entry of the compiled binary: routes to one command and turns every error into an exit code, once.
import { renderUsage, runCommand, type CommandDef } from "citty";
import pkg from "../package.json" with { type: "json" };
import { operatorCommand } from "./commands.ts";
import { configureCli, examplesOf, lastExitCode } from "../lib/cli/cli.ts";
import { ExitCode, isOperatorError } from "../lib/cli/errors.ts";

const rawArgv = process.argv.slice(2);
const root = operatorCommand({ argv: rawArgv, env: process.env });

const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");

/** The command a help request is about: walk the non-flag words through the subcommand tree. */
async function resolveTarget(rawArgs: string[]): Promise<[CommandDef<any>, CommandDef<any> | undefined]> {
  let cmd = root;
  let parent: CommandDef<any> | undefined;
  for (const word of rawArgs.filter((a) => !a.startsWith("-"))) {
    const subs = (typeof cmd.subCommands === "function" ? await cmd.subCommands() : await cmd.subCommands) as
      | Record<string, CommandDef<any> | (() => Promise<CommandDef<any>>)>
      | undefined;
    const next = subs?.[word];
    if (!next) break;
    parent = cmd;
    cmd = typeof next === "function" ? await next() : next;
  }
  return [cmd, parent];
}

async function main(rawArgs: string[]): Promise<number> {
  const json = rawArgs.includes("--json") || /^(1|true|yes)$/i.test(process.env.OPERATOR_JSON ?? "");
  const debug = rawArgs.includes("--debug") || /^(1|true|yes)$/i.test(process.env.OPERATOR_DEBUG ?? "");
  const shutdown = new AbortController();
  let interrupts = 0;
  // SIGHUP: the terminal went away (a closed window, tmux kill-server): stop as cleanly as on Ctrl-C.
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      interrupts += 1;
      if (interrupts > 1) process.exit(ExitCode.interrupted);
      shutdown.abort(sig);
    });
  }
  configureCli({ env: process.env, signal: shutdown.signal });

  try {
    if (rawArgs.includes("--help") || rawArgs.includes("-h") || rawArgs.length === 0) {
      const [target, parent] = await resolveTarget(rawArgs);
      process.stdout.write(`${stripAnsiIfPiped(await renderUsage(target, parent))}\n${examplesOf(target)}`);
      return rawArgs.length === 0 ? ExitCode.usage : ExitCode.ok;
    }
    if (rawArgs.length === 1 && (rawArgs[0] === "--version" || rawArgs[0] === "-v")) {
      process.stdout.write(json ? `${JSON.stringify({ version: pkg.version })}\n` : `${pkg.version}\n`);
      return ExitCode.ok;
    }
    await runCommand(root, { rawArgs });
    return lastExitCode();
  } catch (error) {
    return report(error, rawArgs, { json, debug });
  }
}

function stripAnsiIfPiped(text: string): string {
  return process.stdout.isTTY ? text : stripAnsi(text);
}

async function report(error: unknown, rawArgs: string[], flags: { json: boolean; debug: boolean }): Promise<number> {
  let code: string;
  let message: string;
  let exit: number;
  if (isOperatorError(error)) {
    [code, message, exit] = [error.code, error.message, error.exitCode];
  } else if (error instanceof Error && error.name === "CLIError") {
    const [target] = await resolveTarget(rawArgs);
    const name = (await (typeof target.meta === "function" ? target.meta() : target.meta))?.name ?? "operator";
    const where = name === "operator" ? "operator --help" : `operator ${rawArgs.filter((a) => !a.startsWith("-"))[0]} --help`;
    [code, message, exit] = ["usage", `${stripAnsi(error.message)}: see ${where}`, ExitCode.usage];
  } else {
    const text = error instanceof Error ? error.message : String(error);
    [code, message, exit] = ["internal", `internal error (a bug, please report it): ${text}${flags.debug ? "" : " (--debug shows the stack)"}`, ExitCode.internal];
    if (flags.debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  }
  process.stderr.write(`operator: ${message}\n`);
  if (flags.json) process.stdout.write(`${JSON.stringify({ error: code, message })}\n`);
  return exit;
}

process.exit(await main(rawArgv));
