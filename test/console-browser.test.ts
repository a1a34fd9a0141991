// A real browser on the console: Debian's chromium driven by playwright-core under Node, headless,
// with every request outside the console refused. Sign in from a link, watch an incident appear
// without reloading, approve its action with the keyboard, see the running monitor's result and the
// audit entry. Keeps the two screenshots docs/console-notifications.md shows.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnCli } from "./fixtures/cli.ts";
import { downAll, startLocalCluster } from "./fixtures/local-cluster.ts";
import { spawnMonitor } from "./fixtures/monitor-process.ts";

// A cluster, a console, a monitor and a browser on a shared 2-core machine.
setDefaultTimeout(180_000);

const QUIET_LATENCY = { OPERATOR_CHECK_P99_THRESHOLD: "500ms", OPERATOR_REDIS_LATENCY_THRESHOLD: "250ms" };
const shots = process.env.OPERATOR_CONSOLE_SHOTS ?? mkdtempSync(join(tmpdir(), "operator-console-shots-"));
afterAll(async () => {
  await downAll();
  if (!process.env.OPERATOR_CONSOLE_SHOTS) rmSync(shots, { recursive: true, force: true });
});

test("sign in from a link, an incident appears live, the keyboard approves its action, the monitor runs it, the audit names console:alice", async () => {
  await using cluster = await startLocalCluster(["--nodes", "2"]);
  const consoleProc = spawnCli(["console", "--port", "0", "--json", "--state-dir", cluster.stateDir]);
  try {
    const reader = consoleProc.stdout.getReader();
    let line = "";
    while (!line.includes("\n")) line += new TextDecoder().decode((await reader.read()).value);
    const url = JSON.parse(line).url as string;
    const alice = JSON.parse((await cluster.cli(["console", "token", "add", "alice", "--role", "approver", "--json"])).stdout).token as string;
    await using monitor = spawnMonitor(["--state-dir", cluster.stateDir, "--interval", "300ms", "--grace-scale", "0", "--mode", "execute"], QUIET_LATENCY);
    await monitor.cycles(1);
    const victim = cluster.up.nodes[1]!;

    const browser = Bun.spawn(["node", join(import.meta.dir, "fixtures", "console-browser.mjs")], {
      env: { ...process.env, SIGN_IN_URL: `${url}#token=${alice}`, VICTIM_PID: String(victim.pid), VICTIM: `node:${victim.id}`, SHOTS: shots },
      stdout: "pipe", stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([new Response(browser.stdout).text(), new Response(browser.stderr).text(), browser.exited]);
    expect({ code, err: err.slice(-2_000) }).toEqual({ code: 0, err: "" });
    const seen = JSON.parse(out);
    expect(seen).toMatchObject({
      outside_requests: [], console_errors: [], signed_in_as: "alice (approver)", address_after_sign_in: `${url}#/`,
      page_source_has_token: false, approve_tag: "BUTTON", reloaded: false, articles_on_deep_link: 1, reason_kept: "node is gone, restart it", focus_kept: expect.stringMatching(/^Approve #\d+$/), phone_overflow_px: 0, clickable_non_buttons: 0,
    });
    expect(seen.proposal_age_shown).toMatch(/proposed \d+ s ago by diagnosis:builtin, expires in 1[45] min/);
    expect(seen.history.length).toBeGreaterThan(1);
    expect(seen.history.filter((u: string) => u.includes("token"))).toEqual([]);
    expect(seen.audit_row).toContain("console:alice action");
    expect(seen.audit_row).toContain("node is gone, restart it");

    const finished = monitor.events.filter((e) => e.type === "action_finished" && e.action.name === "restart_node" && e.action.status === "succeeded");
    expect(finished.length).toBe(1);
    for (const name of ["console-incident.png", "console-audit.png"]) expect(readFileSync(join(shots, name)).subarray(1, 4).toString()).toBe("PNG");
  } finally {
    consoleProc.kill("SIGTERM");
    await consoleProc.exited;
  }
});
