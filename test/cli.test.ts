// The CLI contract, as a script sees it: exit codes, stdout, the one stderr line.
import { describe, expect, test } from "bun:test";
import { runCli } from "./fixtures/cli.ts";

describe("operator CLI contract", () => {
  test("--version prints the package version", async () => {
    const result = await runCli(["--version"]);
    expect(result).toEqual({ exitCode: 0, stdout: `${(await import("../package.json")).version}\n`, stderr: "" });
  });

  test("an unknown flag is a usage error with one line that says what to do", async () => {
    const result = await runCli(["subjects", "--bogus"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('operator: unknown flag --bogus for "subjects": see operator subjects --help\n');
  });

  test("an unknown command is a usage error, also as JSON on stdout", async () => {
    const result = await runCli(["nosuch", "--json"]);
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({ error: "usage", message: "Unknown command nosuch: see operator --help" });
  });

  test("--help teaches: flags with their env vars and examples", async () => {
    const result = await runCli(["subjects", "--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("[env OPERATOR_JSON]");
    expect(result.stdout).toContain("EXAMPLES");
  });

  test("subjects --json lists the registry", async () => {
    const result = await runCli(["subjects", "--json"]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).subjects.map((s: { name: string }) => s.name)).toContain("ratelimiter");
  });
});
