// Starting each part of the local cluster as a detached process and waiting until it answers:
// redis-server (append-only, fsync every second), a node's link proxy, a node of this binary.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ProcessRecord } from "../../lib/cluster/deployment.ts";
import { unreachableError, usageError } from "../../lib/cli/errors.ts";
import { logSize, logTail, spawnDetached, stopProcess, waitForJsonLine } from "../../lib/process/supervisor.ts";
import { answersHttp, waitFor } from "../../lib/process/wait.ts";
import type { NodeFlags } from "./cluster-record.ts";
import { PATH } from "./wire.ts";
import { redisAnswers, withRedis } from "./redis-admin.ts";

/** Bun takes a while to start on a busy 2-core machine; a node gets this long to answer. */
const START_TIMEOUT_MS = 30_000;

type Env = Record<string, string | undefined>;

export interface StartContext {
  /** Where the cluster keeps its files: logs/, redis-*, the admin token. */
  dir: string;
  selfCommand: string[];
  env: Env;
  signal: AbortSignal;
  /** The state dir that owns every part started (marked in its environment, for teardown). */
  owner: string;
}

const logFileOf = (ctx: StartContext, name: string) => join(ctx.dir, "logs", `${name}.log`);

/** Gives up on a part that did not come up: stops it, and says why with its log's tail. */
async function failStart(record: { pid: number; startTime: number }, name: string, logFile: string, why: string): Promise<never> {
  await stopProcess(record, { graceMs: 1000 });
  throw unreachableError("start_failed", `${name} ${why}: ${logTail(logFile, 3) || "no output"} (log ${logFile})`);
}

export function redisArgv(binary: string, port: number, dir: string, clusterEnabled: boolean): string[] {
  return [
    binary, "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--daemonize", "no", "--logfile", "",
    // Counters survive a restart: redis-kill loses at most the last second.
    "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
    ...(clusterEnabled ? ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"] : []),
  ];
}

export async function startRedisServer(ctx: StartContext, spec: { name: string; port: number; dir: string; binary: string; clusterEnabled: boolean }): Promise<ProcessRecord> {
  mkdirSync(spec.dir, { recursive: true });
  const logFile = logFileOf(ctx, spec.name);
  const identity = spawnDetached({ argv: redisArgv(spec.binary, spec.port, spec.dir, spec.clusterEnabled), logFile, env: ctx.env, owner: ctx.owner });
  const ready = await waitFor(() => redisAnswers(spec.port, 500), { timeoutMs: START_TIMEOUT_MS, intervalMs: 50, signal: ctx.signal });
  if (!ready) await failStart(identity, spec.name, logFile, `did not answer PING on port ${spec.port}`);
  return { ...identity, name: spec.name, role: "redis", logFile, port: spec.port, url: `redis://127.0.0.1:${spec.port}` };
}

/** Makes the shards one Redis Cluster: slots split evenly, every master meets the first, all agree. */
export async function formRedisCluster(ports: number[], signal: AbortSignal): Promise<void> {
  const slotsPerShard = Math.ceil(16_384 / ports.length);
  for (const [i, port] of ports.entries()) {
    const first = i * slotsPerShard;
    const last = Math.min(16_383, first + slotsPerShard - 1);
    await withRedis(port, (r) => r.call("CLUSTER", "ADDSLOTSRANGE", String(first), String(last)));
  }
  for (const port of ports.slice(1)) await withRedis(ports[0]!, (r) => r.call("CLUSTER", "MEET", "127.0.0.1", String(port)));
  const agreed = await waitFor(
    async () => {
      const infos = await Promise.all(ports.map((p) => withRedis(p, (r) => r.call("CLUSTER", "INFO") as Promise<string>).catch(() => "")));
      return infos.every((info) => /cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${ports.length}\\b`).test(info));
    },
    { timeoutMs: START_TIMEOUT_MS, intervalMs: 200, signal },
  );
  if (!agreed) throw unreachableError("redis_cluster_failed", `the Redis Cluster on ports ${ports.join(", ")} did not reach cluster_state:ok`);
}

export async function startLinkProxy(ctx: StartContext, spec: { name: string; upstreamPort: number; tokenFile: string; port?: number }): Promise<{ process: ProcessRecord; controlUrl: string }> {
  const logFile = logFileOf(ctx, spec.name);
  const from = logSize(logFile);
  const argv = [...ctx.selfCommand, "link-proxy", "--upstream", `127.0.0.1:${spec.upstreamPort}`, "--port", String(spec.port ?? 0), "--token-file", spec.tokenFile, "--json"];
  const identity = spawnDetached({ argv, logFile, env: ctx.env, owner: ctx.owner });
  const start = await waitForJsonLine(logFile, "control_url", identity, { timeoutMs: START_TIMEOUT_MS, signal: ctx.signal, fromOffset: from });
  if (!("line" in start)) return failStart(identity, spec.name, logFile, "exited" in start ? "exited before it listened" : "did not print its start line");
  const port = Number(start.line.port);
  return { process: { ...identity, name: spec.name, role: "link-proxy", logFile, port }, controlUrl: String(start.line.control_url) };
}

export async function startNode(ctx: StartContext, spec: { name: string; id: string; port: number; redisUrl: string; flags: NodeFlags; adminToken: string }): Promise<ProcessRecord> {
  const logFile = logFileOf(ctx, spec.name);
  const from = logSize(logFile);
  const argv = [
    ...ctx.selfCommand, "ratelimiter", "serve", "--json", "--host", "127.0.0.1", "--port", String(spec.port),
    "--node-id", spec.id, "--redis-url", spec.redisUrl, "--algorithm", spec.flags.algorithm, "--default-limit", spec.flags.defaultLimit,
    "--window", spec.flags.window, "--fail-policy", spec.flags.failPolicy, "--redis-timeout", spec.flags.redisTimeout,
  ];
  // The token goes by environment, not argv: the command line of a process is readable by anyone.
  const identity = spawnDetached({ argv, logFile, env: { ...ctx.env, RATELIMITER_ADMIN_TOKEN: spec.adminToken }, owner: ctx.owner });
  const start = await waitForJsonLine(logFile, "url", identity, { timeoutMs: START_TIMEOUT_MS, signal: ctx.signal, fromOffset: from });
  if (!("line" in start)) return failStart(identity, `node ${spec.id}`, logFile, "exited" in start ? "exited before it listened" : "did not print its start line");
  const url = String(start.line.url).replace(/\/+$/, "");
  const healthy = await waitFor(() => answersHttp(`${url}${PATH.health}`), { timeoutMs: START_TIMEOUT_MS, intervalMs: 100, signal: ctx.signal });
  if (!healthy) await failStart(identity, `node ${spec.id}`, logFile, `did not answer ${PATH.health} with 200`);
  return { ...identity, name: spec.name, role: "node", logFile, port: Number(new URL(url).port), url };
}

/** Refuses a fixed port that someone already uses, before anything starts. */
export function portTaken(port: number, what: string, flag: string) {
  return usageError("port_in_use", `${what} port ${port} is in use: pick another with ${flag}, or 0 for any free port`);
}
