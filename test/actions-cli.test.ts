// operator actions / mode / kill-switch / audit as a script sees them: exit codes, JSON, the stderr line.
import { expect, test } from "bun:test";
import { proposeAction } from "../lib/actions/action-store.ts";
import { openState } from "../lib/state/state.ts";
import { runCli } from "./fixtures/cli.ts";
import { tempDirs } from "./fixtures/temp-dirs.ts";

const newDir = tempDirs("operator-actions-cli-");

/** A fresh state dir with three proposed actions (1 low, 2 high, 3 medium), and a 4th proposed an hour ago; the CLI bound to it. */
function seeded() {
  const dir = newDir();
  const state = openState(dir);
  for (const [name, risk, params] of [["reset_counter", "low", { key: "user:1" }], ["drain_node", "high", { node: "b" }], ["block_key", "medium", { key: "bot" }]] as const) {
    proposeAction(state, { subject: "ratelimiter", ticketId: 4, name, params, risk, why: `fix it with ${name}`, actor: "diagnosis:builtin", now: Date.now() });
  }
  proposeAction(state, { subject: "ratelimiter", ticketId: 5, name: "drain_node", params: { node: "c" }, risk: "high", why: "old", actor: "diagnosis:builtin", now: Date.parse("2026-01-01T10:00:00Z") });
  state.close();
  return (...args: string[]) => runCli(args, { env: { OPERATOR_STATE_DIR: dir, OPERATOR_ACTOR: "alice" } });
}

test("list, approve, reject and show, with the audit trail of who and why", async () => {
  const cli = seeded();
  const listed = await cli("actions", "list", "--status", "pending", "--json");
  expect(listed.exitCode).toBe(0);
  expect(JSON.parse(listed.stdout)).toMatchObject({ mode: "observe", actions: [{ id: 1, status: "proposed" }, { id: 2, status: "proposed" }, { id: 3, status: "proposed" }, { id: 4, status: "proposed" }] });

  const approved = await cli("actions", "approve", "2", "--why", "node b is really down", "--json");
  expect(approved.exitCode).toBe(0);
  expect(JSON.parse(approved.stdout)).toMatchObject({ mode: "observe", action: { id: 2, name: "drain_node", status: "approved" } });

  const rejected = await cli("actions", "reject", "3", "--why", "not during peak", "--by", "bob");
  expect([rejected.exitCode, rejected.stdout]).toEqual([0, '#3 rejected     medium block_key {"key":"bot"} (ticket #4)\n']);

  const shown = JSON.parse((await cli("actions", "show", "2", "--json")).stdout);
  expect(shown.audit.map((e: any) => [e.actor, e.event, e.why])).toEqual([
    ["diagnosis:builtin", "proposed", "fix it with drain_node"],
    ["alice", "approved", "node b is really down"],
  ]);
});

test("bad input: each is exit 2 with one stderr line saying what to fix", async () => {
  const cli = seeded();
  await cli("actions", "reject", "3", "--why", "no");
  const cases = [
    [["actions", "approve", "999", "--why", "x"], "operator: no action 999: see operator actions list\n"],
    [["actions", "approve", "abc", "--why", "x"], 'operator: action ID "abc" is not a number: see operator actions list\n'],
    [["actions", "reject", "1"], "operator: --why is required: why, recorded in the audit log\n"],
    [["actions", "list", "--status", "done"], `operator: --status "done" is not a list of pending, proposed, approved, executing, succeeded, failed, rejected, cancelled, expired, needs_review\n`],
    [["actions", "approve", "4", "--why", "x"], "operator: action 4 expired at 2026-01-01T10:15:00.000Z unapproved: the system may have moved on; a running monitor proposes it again if the fault persists\n"],
    [["mode", "fast"], 'operator: mode "fast" is not one of observe, execute\n'],
  ] as const;
  for (const [args, stderr] of cases) {
    const result = await cli(...args);
    expect({ args, exitCode: result.exitCode, stderr: result.stderr, stdout: result.stdout }).toEqual({ args, exitCode: 2, stderr, stdout: "" });
  }
  const twice = await cli("actions", "approve", "3", "--why", "x", "--json");
  expect(twice.exitCode).toBe(2);
  expect(JSON.parse(twice.stdout)).toEqual({ error: "action_not_pending", message: "action 3 is rejected by alice: no; only a proposed action can be approved" });
});

test("mode execute persists; the kill switch cancels what is pending and sets observe; audit shows it all", async () => {
  const cli = seeded();
  await cli("actions", "approve", "2", "--why", "yes");
  await cli("actions", "reject", "3", "--why", "no");
  expect(JSON.parse((await cli("mode", "execute", "--why", "window", "--json")).stdout)).toMatchObject({ mode: "execute", previous_mode: "observe", updated_by: "alice" });
  expect(JSON.parse((await cli("mode", "--json")).stdout)).toMatchObject({ mode: "execute" });
  const killed = await cli("kill-switch", "--why", "going wrong", "--json");
  expect(killed.exitCode).toBe(0);
  const doc = JSON.parse(killed.stdout);
  expect([doc.mode, doc.previous_mode, doc.cancelled.map((a: any) => a.id).sort()]).toEqual(["observe", "execute", [1, 2, 4]]);
  expect(JSON.parse((await cli("mode", "--json")).stdout).mode).toBe("observe");
  const audit = JSON.parse((await cli("audit", "--json")).stdout).entries.map((e: any) => `${e.actor} ${e.entity} ${e.entity_id ?? "-"} ${e.event}`);
  expect(audit.slice(-5)).toEqual(["alice mode - mode_set", "alice action 1 cancelled", "alice action 2 cancelled", "alice action 4 cancelled", "alice mode - kill_switch"]);
});
