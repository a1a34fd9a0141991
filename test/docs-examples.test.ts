// Every `operator ...` command line documented in README.md and docs/*.md goes through the binary's
// own argument parser and each command's schemas (lib/cli.ts checkCommandLine), running nothing.
//
// How a documented command line is recognised:
// - only inside ``` fenced code blocks; a line ending in `\` continues on the next one;
// - a leading `$ ` prompt is dropped; the rest is split into shell words (quotes and `\` honoured);
//   `#` starts a comment; `&&`, `||`, `;` and `&` separate commands, each checked on its own;
//   a pipe or a redirect (`|`, `>`, `2>`, `<`) ends the command;
// - a command whose first word (after any `NAME=value` env assignments) is `operator` or
//   `./operator` is checked; the assignments are its only environment;
// - placeholders: a word `ID`, `N`, `TICKET` or `<anything>` stands for the sample value `1`;
// - `chaos <fault>` names a fault of the subject of the cluster that the latest
//   `operator cluster up [--subject X]` earlier in the same file started (ratelimiter before any).
// The state dir the checker may read to build a command (diagnose, chaos) is one that does not exist.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { operatorCommand } from "../cmd/commands.ts";
import { checkCommandLine } from "../lib/cli/cli.ts";
import { DEFAULT_SUBJECT } from "../lib/subject/registry.ts";
import { documentedCommands, type DocumentedCommand } from "./fixtures/doc-commands.ts";

const root = join(import.meta.dir, "..");
const NO_STATE_DIR = join(root, ".docs-examples-no-state-dir");

async function problemOf(command: Pick<DocumentedCommand, "argv" | "env" | "clusterSubject">): Promise<string | undefined> {
  const env = { OPERATOR_STATE_DIR: NO_STATE_DIR, ...command.env };
  const tree = operatorCommand({ argv: command.argv, env, clusterSubject: command.clusterSubject });
  return checkCommandLine(tree, command.argv, env);
}

const pages = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const documented = pages.flatMap((page) => documentedCommands(page, readFileSync(join(root, page), "utf8")));

describe("documented command lines", () => {
  test("every operator line in README.md and docs/ parses, with known commands, flags, values and names", async () => {
    const problems: string[] = [];
    for (const command of documented) {
      const problem = await problemOf(command);
      if (problem) problems.push(`${command.file}:${command.line}: ${command.text}\n    -> ${problem}`);
    }
    expect(problems).toEqual([]);
  });

  test("the pages hold the commands a newcomer is shown, and each page's are found", () => {
    const perPage = Object.fromEntries(pages.map((p) => [p, documented.filter((c) => c.file === p).length]));
    expect(perPage["README.md"]).toBeGreaterThanOrEqual(12);
    expect(documented.length).toBeGreaterThanOrEqual(90);
  });

  test("README's command table names every top-level command, and README links every docs page", async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const tree = operatorCommand({ argv: [], env: {} });
    const names = Object.keys((tree.subCommands ?? {}) as Record<string, unknown>);
    const missing = [
      ...names.filter((n) => !readme.includes(`| \`operator ${n}`)).map((n) => `command ${n}`),
      ...pages.filter((p) => p !== "README.md" && !readme.includes(`](${p})`)).map((p) => `link to ${p}`),
    ];
    expect(missing).toEqual([]);
  });
});

describe("recognising a command line", () => {
  test("prompts, env assignments, pipes, redirects, separators, comments and placeholders", () => {
    const text = [
      "prose: operator monitor --bogus is not in a block",
      "```sh",
      "$ OPERATOR_LLM=openai ./operator diagnose ID --engine llm --json | jq .root_cause > out.json",
      "operator chaos revert --all && operator cluster down   # then: operator actions approve ID",
      "operator ratelimiter serve --port 0 \\",
      "  --node-id 'node a' 2>/dev/null &",
      "curl -s http://127.0.0.1:8080/health || echo \"operator is down\"",
      "```",
      "```sh",
      "operator cluster up --subject etcd",
      "operator chaos quorum-loss --duration 30s",
      "```",
    ].join("\n");
    expect(documentedCommands("x.md", text).map(({ line, argv, env, clusterSubject }) => ({ line, argv, env, clusterSubject }))).toEqual([
      { line: 3, argv: ["diagnose", "1", "--engine", "llm", "--json"], env: { OPERATOR_LLM: "openai" }, clusterSubject: "ratelimiter" },
      { line: 4, argv: ["chaos", "revert", "--all"], env: {}, clusterSubject: "ratelimiter" },
      { line: 4, argv: ["cluster", "down"], env: {}, clusterSubject: "ratelimiter" },
      { line: 5, argv: ["ratelimiter", "serve", "--port", "0", "--node-id", "node a"], env: {}, clusterSubject: "ratelimiter" },
      { line: 10, argv: ["cluster", "up", "--subject", "etcd"], env: {}, clusterSubject: "etcd" },
      { line: 11, argv: ["chaos", "quorum-loss", "--duration", "30s"], env: {}, clusterSubject: "etcd" },
    ]);
  });
});

describe("what the check refuses", () => {
  const cases: [string, string[], Record<string, string>, string, string][] = [
    ["an unknown command", ["monitr"], {}, DEFAULT_SUBJECT, "unknown command monitr"],
    ["an unknown nested command", ["incidents", "open"], {}, DEFAULT_SUBJECT, "operator incidents: unknown command open"],
    ["a fault the cluster's subject does not have", ["chaos", "quorum-loss"], {}, DEFAULT_SUBJECT, "operator chaos: unknown command quorum-loss"],
    ["an unknown flag", ["loadgen", "--rat", "5"], {}, DEFAULT_SUBJECT, 'unknown flag --rat for "loadgen"'],
    ["a flag of another subject", ["monitor", "--pd-url", "http://127.0.0.1:2379"], {}, DEFAULT_SUBJECT, 'unknown flag --pd-url for "monitor"'],
    ["a value its schema refuses", ["chaos", "node-kill", "--node", "b", "--duration", "10x"], {}, DEFAULT_SUBJECT, '--duration "10x" is not a duration'],
    ["an env value its schema refuses", ["monitor", "--once"], { OPERATOR_GRACE_SCALE: "-1" }, DEFAULT_SUBJECT, 'OPERATOR_GRACE_SCALE "-1" is not a number of zero or more'],
    ["a missing positional", ["actions", "approve", "--why", "x"], {}, DEFAULT_SUBJECT, "ID"],
    ["an unknown subject", ["monitor", "--subject", "mysql"], {}, DEFAULT_SUBJECT, 'unknown subject "mysql"'],
    ["an unknown subject to start", ["cluster", "up", "--subject", "mysql"], {}, DEFAULT_SUBJECT, 'unknown subject "mysql"'],
    ["an unknown subject to load", ["loadgen", "--subject", "mysql"], {}, DEFAULT_SUBJECT, 'unknown subject "mysql"'],
    ["a workload its subject does not have", ["loadgen", "--subject", "etcd", "--workload", "check"], {}, DEFAULT_SUBJECT, "subject etcd has no workload check"],
    ["an unknown scenario", ["eval", "--scenarios", "node-kill,meteor"], {}, DEFAULT_SUBJECT, '--scenarios names "meteor"'],
    ["an unknown chapter", ["demo", "ratelimiter", "--chapters", "cluster-up,finale"], {}, DEFAULT_SUBJECT, '--chapters names "finale"'],
    ["an unknown mode", ["mode", "yolo"], {}, DEFAULT_SUBJECT, 'mode "yolo" is not one of'],
    ["a notification target of no known kind", ["notify", "test", "smtp://mail.example.com"], {}, DEFAULT_SUBJECT, "smtp://"],
  ];
  for (const [what, argv, env, clusterSubject, expected] of cases) {
    test(what, async () => {
      expect(await problemOf({ argv, env, clusterSubject })).toContain(expected);
    });
  }

  test("lines that would start are passed, nested and subject-specific ones included", async () => {
    const lines: [string[], string][] = [
      [["chaos", "revert", "--all"], DEFAULT_SUBJECT],
      [["ratelimiter", "serve", "--port", "0", "--algorithm", "gcra"], DEFAULT_SUBJECT],
      [["incidents", "show", "2", "--json"], DEFAULT_SUBJECT],
      [["console", "token", "add", "alice", "--role", "approver", "--expires", "30d"], DEFAULT_SUBJECT],
      [["chaos", "fill-quota", "--duration", "2m"], "etcd"],
      [["monitor", "--subject", "tikv", "--pd-url", "http://127.0.0.1:23791", "--once"], DEFAULT_SUBJECT],
    ];
    for (const [argv, clusterSubject] of lines) expect({ argv, problem: await problemOf({ argv, env: {}, clusterSubject }) }).toEqual({ argv, problem: undefined });
  });
});
