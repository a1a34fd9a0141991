// `operator demo` as a script runs it: a short demo (three chapters) with --json streams NDJSON
// events, exits 0 when every chapter passed, records who approved what, and leaves nothing running.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "./fixtures/cli.ts";
import { isAlive, processesMentioning } from "./fixtures/processes.ts";
import { tempDirs } from "./fixtures/temp-dirs.ts";

// A real cluster, load and a monitor on a shared 2-core machine.
setDefaultTimeout(240_000);

const newDir = tempDirs("operator-demo-");

type Event = { type: string; ts: string } & Record<string, any>;

describe("operator demo", () => {
  test("three chapters with --json: NDJSON events, the node-kill story end to end, exit 0, nothing left running", async () => {
    const dir = newDir();
    const result = await runCli(["demo", "ratelimiter", "--json", "--chapters", "cluster-up,node-kill,teardown", "--state-dir", dir], { timeoutMs: 200_000 });
    const events = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as Event);
    expect(events.every((e) => typeof e.type === "string" && !Number.isNaN(Date.parse(e.ts)))).toBe(true);
    const chapters = events.filter((e) => e.type.startsWith("chapter_")).map((e) => `${e.type} ${e.chapter}`);
    const failures = events.filter((e) => e.type === "chapter_failed").map((e) => `${e.chapter}: ${e.outcome?.failure ?? e.failure ?? JSON.stringify(e.outcome?.unexpected)}`);
    expect({ exitCode: result.exitCode, chapters, failures, stderr: result.exitCode === 0 ? "" : result.stderr }).toEqual({
      exitCode: 0,
      failures: [],
      chapters: ["chapter_started cluster-up", "chapter_passed cluster-up", "chapter_started node-kill", "chapter_passed node-kill", "chapter_started teardown", "chapter_passed teardown"],
      stderr: "",
    });

    const of = (type: string) => events.filter((e) => e.type === type);
    expect(of("cycle").length).toBeGreaterThan(5);
    expect(of("ticket_opened").map((e) => `${e.ticket.invariant}:${e.ticket.resource}`)).toEqual(["node_down:node:b"]);
    expect(of("diagnosis")[0]).toMatchObject({ diagnosis: { engine: "builtin", root_cause: { component: "node:b" }, fault_class: "process_down" } });
    const proposed = of("action_proposed")[0]!;
    expect(proposed.action).toMatchObject({ name: "restart_node", params: { node: "b" }, risk: "high" });
    expect(of("action_approved")[0]).toMatchObject({ action_id: proposed.action.id, by: "demo" });
    expect(of("action_finished")[0]!.action).toMatchObject({ id: proposed.action.id, status: "succeeded" });
    expect(of("action_verified")[0]).toMatchObject({ verification: "verified" });
    expect(of("ticket_resolved").map((e) => e.ticket.id)).toEqual([of("ticket_opened")[0]!.ticket.id]);
    expect(of("demo_finished")[0]).toMatchObject({ passed: 3, failed: 0, interrupted: false });
    const nodeKill = events.find((e) => e.type === "chapter_passed" && e.chapter === "node-kill")!;
    expect(nodeKill.outcome).toMatchObject({ passed: true, detections: [{ invariant: "node_down", resource: "node:b" }], remedies: [{ action: "restart_node", status: "succeeded", verification: "verified" }] });

    // The approval is in the audit log as a person's would be.
    const audit = JSON.parse((await runCli(["audit", "--json", "--action", String(proposed.action.id), "--state-dir", dir])).stdout);
    expect(audit.entries.map((e: { actor: string; event: string }) => `${e.actor}:${e.event}`)).toEqual(["diagnosis:builtin:proposed", "demo:approved", "monitor:executing", "monitor:succeeded", "monitor:verified"]);

    const pids = of("deployed").flatMap((e) => e.parts.map((p: { pid: number }) => p.pid));
    expect(pids.length).toBe(7);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
  });

  test("a chapter that does not exist, or a state dir that is not the demo's: exit 2, one line that says what to do", async () => {
    const unknown = await runCli(["demo", "ratelimiter", "--chapters", "cluster-up,nosuch", "--state-dir", newDir()]);
    expect([unknown.exitCode, unknown.stderr]).toEqual([2, expect.stringMatching(/^operator: --chapters names "nosuch": use some of cluster-up, node-kill, .*teardown\n$/)]);
    const foreign = newDir();
    mkdirSync(join(foreign, "cluster"));
    writeFileSync(join(foreign, "state.db"), "");
    const refused = await runCli(["demo", "ratelimiter", "--state-dir", foreign]);
    expect([refused.exitCode, refused.stderr]).toEqual([2, `operator: --state-dir ${foreign} holds state that is not a demo's: pass a new or empty directory (env OPERATOR_DEMO_STATE_DIR)\n`]);
    const noDemo = await runCli(["demo", "etcd", "--state-dir", newDir()]);
    expect([noDemo.exitCode, noDemo.stderr]).toEqual([2, "operator: subject etcd has no demo yet: try operator demo ratelimiter\n"]);
  });
});
