// Without --targets the subject watches the local cluster recorded in the state dir; given options win.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeDeployment, type DeploymentRecord } from "../../lib/deployment.ts";
import { openState } from "../../lib/state.ts";
import type { ClusterDetails } from "./cluster-record.ts";
import { watchedFrom } from "./local-defaults.ts";
import type { SubjectOptions } from "./options.ts";

const dir = mkdtempSync(join(tmpdir(), "operator-local-defaults-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { httpTimeout: 1000, keySample: 200, checkP99Threshold: 10, redisLatencyThreshold: 10 } as SubjectOptions;

test("no --targets and no cluster: nothing to watch", () => {
  expect(watchedFrom(base, join(dir, "empty"))).toBeUndefined();
});

test("no --targets: the recorded cluster's nodes by id, its Redis directly (not a link) and its token; given options win", () => {
  const tokenFile = join(dir, "admin-token");
  writeFileSync(tokenFile, "s3cret\n", { mode: 0o600 });
  const details: ClusterDetails = {
    redisMode: "single",
    redis: [{ name: "redis", port: 7001, dir }],
    nodes: ["a", "b"].map((id, i) => ({ id, name: `node-${id}`, port: 8001 + i, url: `http://127.0.0.1:${8001 + i}`, redisUrl: `redis://127.0.0.1:${9001 + i}` })),
    adminTokenFile: tokenFile,
    redisServer: "redis-server",
    nodeFlags: { algorithm: "fixed-window", defaultLimit: "10", window: "5s", failPolicy: "open", redisTimeout: "1s" },
  };
  const record: DeploymentRecord = { subject: "ratelimiter", createdAt: "", stateDir: dir, endpoints: [], processes: [], details: details as unknown as Record<string, unknown> };
  const state = openState(dir);
  writeDeployment(state, record);
  state.close();

  const watched = watchedFrom(base, dir)!;
  expect([watched.targets, watched.options.targets, watched.options.redisUrl, watched.options.adminToken]).toEqual([
    [{ url: "http://127.0.0.1:8001", id: "a" }, { url: "http://127.0.0.1:8002", id: "b" }],
    ["http://127.0.0.1:8001", "http://127.0.0.1:8002"],
    "redis://127.0.0.1:7001",
    "s3cret",
  ]);
  const given = watchedFrom({ ...base, targets: ["http://127.0.0.1:7777"] }, dir)!;
  expect([given.targets, given.options.redisUrl, given.options.adminToken]).toEqual([[{ url: "http://127.0.0.1:7777" }], undefined, undefined]);
});
