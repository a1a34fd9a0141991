import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nameOf, ownedProcesses } from "./owner.ts";
import { spawnDetached, stopProcess } from "./supervisor.ts";
import { waitFor } from "./wait.ts";

const dir = mkdtempSync(join(tmpdir(), "operator-owner-"));
const spawned: { pid: number; startTime: number }[] = [];
afterAll(async () => {
  for (const p of spawned) await stopProcess(p, { graceMs: 500 });
  rmSync(dir, { recursive: true, force: true });
});

describe("processes found by their owner's mark", () => {
  test("a process spawned for an owner is found by it, with its command line; others are not", async () => {
    const owner = join(dir, "state");
    const marked = spawnDetached({ argv: ["sleep", "30"], logFile: join(dir, "a.log"), owner, env: {} });
    const unmarked = spawnDetached({ argv: ["sleep", "31"], logFile: join(dir, "b.log") });
    const elsewhere = spawnDetached({ argv: ["sleep", "32"], logFile: join(dir, "c.log"), owner: `${owner}-2` });
    spawned.push(marked, unmarked, elsewhere);
    // Until the child has exec'd, /proc shows the parent's environment: wait for the mark to appear.
    const found = await waitFor(() => (ownedProcesses(owner).length > 0 ? ownedProcesses(owner) : undefined), { timeoutMs: 5_000 });
    expect(found).toEqual([{ ...marked, argv: ["sleep", "30"] }]);
  });

  test("its name: what it runs without its flags, our own binary as operator", () => {
    const self = ["/usr/bin/bun", "/src/cmd/main.ts"];
    expect([
      nameOf([...self, "chaos", "drive", "3", "--state-dir", "/tmp/x"], self),
      nameOf([...self, "ratelimiter", "serve", "--json"], self),
      nameOf(["/usr/bin/redis-server", "--port", "7000"], self),
      nameOf(["etcd", "--name", "etcd-1"], self),
    ]).toEqual(["operator chaos drive 3", "operator ratelimiter serve", "redis-server", "etcd"]);
  });
});
