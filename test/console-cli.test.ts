// operator console and its tokens as a script meets them: exit codes, the one-time secret, the
// start line, and the first start's admin token.
import { expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { exposureWarning } from "../console/server.ts";
import { runCli, spawnCli } from "./fixtures/cli.ts";
import { tempDirs } from "./fixtures/temp-dirs.ts";

// Each case spawns the CLI on a shared 2-core machine.
setDefaultTimeout(60_000);

const stateDir = tempDirs("operator-console-cli-");

test("token add prints the secret once; list shows name, role, expiry and last use but never a secret; revoke; bad input is exit 2 with one line", async () => {
  const dir = stateDir();
  const cli = (...args: string[]) => runCli(["console", "token", ...args], { env: { OPERATOR_STATE_DIR: dir } });
  const added = await cli("add", "alice", "--role", "approver", "--expires", "30d", "--json");
  expect(added.exitCode).toBe(0);
  const doc = JSON.parse(added.stdout);
  expect(doc).toMatchObject({ name: "alice", role: "approver", last_used_at: null, revoked_at: null });
  expect(doc.token).toMatch(/^opc_[\w-]{43}$/);
  expect(Date.parse(doc.expires_at) - Date.parse(doc.created_at)).toBe(30 * 86_400_000);
  const listed = await cli("list", "--json");
  expect(JSON.parse(listed.stdout).tokens).toEqual([{ name: "alice", role: "approver", created_at: doc.created_at, expires_at: doc.expires_at, last_used_at: null, revoked_at: null }]);
  expect(readFileSync(join(dir, "state.db")).includes(doc.token)).toBe(false);

  const cases = [
    [["add", "alice", "--role", "viewer"], "operator: a token named alice exists: revoke it first (operator console token revoke alice)\n"],
    [["add", "bob", "--role", "boss"], "operator: --role \"boss\" is not one of viewer, approver, admin\n"],
    [["add", "bad name", "--role", "viewer"], 'operator: token name "bad name": use letters, digits, ".", "_", "-" or "@" (at most 64), e.g. alice\n'],
    [["revoke", "nobody"], "operator: no token named nobody: see operator console token list\n"],
  ] as const;
  for (const [args, stderr] of cases) {
    const result = await cli(...args);
    expect({ args, exitCode: result.exitCode, stderr: result.stderr }).toEqual({ args, exitCode: 2, stderr });
  }
  const revoked = await cli("revoke", "alice", "--json");
  expect(revoked.exitCode).toBe(0);
  expect(JSON.parse(revoked.stdout).revoked_at).not.toBeNull();
  expect((await cli("add", "alice", "--role", "viewer")).exitCode).toBe(0);
});

test("the first start creates an admin token in a 0600 file and prints a sign-in link with it in the fragment; the next start does not", async () => {
  const dir = stateDir();
  const start = async (...extra: string[]) => {
    const proc = spawnCli(["console", "--port", "0", "--state-dir", dir, ...extra]);
    const reader = proc.stdout.getReader();
    let text = "";
    while (!text.includes("\n") || (!extra.includes("--json") && text.includes("first start") && !text.includes("sign in:"))) text += new TextDecoder().decode((await reader.read()).value);
    await Bun.sleep(0);
    proc.kill("SIGTERM");
    const code = await proc.exited;
    return { text: text + new TextDecoder().decode((await reader.read()).value ?? new Uint8Array()), code };
  };
  const first = await start();
  const file = join(dir, "console-admin.token");
  const token = readFileSync(file, "utf8").trim();
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const url = /console listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(first.text)![1];
  expect(first.text).toContain(`sign in: ${url}#token=${token}\n`);
  expect(first.text).not.toContain(`?token`);
  expect(first.code).toBe(0);
  const second = await start("--json");
  expect(Object.keys(JSON.parse(second.text.split("\n")[0]!))).toEqual(["url", "state_dir"]);
});

test("beyond loopback the console warns to put it behind a TLS reverse proxy, and how", () => {
  expect(exposureWarning("127.0.0.1", 7070)).toBeUndefined();
  expect(exposureWarning("::1", 7070)).toBeUndefined();
  expect(exposureWarning("0.0.0.0", 7070)).toBe(
    'warning: the console listens on 0.0.0.0, beyond this machine, over plain HTTP: put it behind a TLS reverse proxy and bind it to 127.0.0.1 (e.g. Caddy: "reverse_proxy 127.0.0.1:7070"; nginx: proxy_pass http://127.0.0.1:7070 with proxy_buffering off for /api/v1/events)',
  );
});

test("console --help teaches its flags, env vars and defaults", async () => {
  const help = await runCli(["console", "--help"]);
  expect(help.exitCode).toBe(0);
  for (const text of ["--port", "OPERATOR_CONSOLE_PORT", "7070", "--host", "127.0.0.1", "operator console token add alice --role approver"]) expect(help.stdout).toContain(text);
});
