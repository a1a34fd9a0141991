// The local rate-limiter cluster: its own redis-server (or a 3-master Redis Cluster), one link
// proxy per node in front of Redis, N nodes of this same binary, an admin token file (0600).
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defineOptions, OneOf, PositiveDuration, PositiveInt, Port, Text, type ResolvedOptions } from "../../lib/cli/config.ts";
import { withProcess, type DeploymentContext, type DeploymentDefinition, type DeploymentRecord, type PartStatus, type ProcessRecord } from "../../lib/cluster/deployment.ts";
import { formatDuration } from "../../lib/cli/duration.ts";
import { usageError } from "../../lib/cli/errors.ts";
import { fetchText } from "../../lib/http/bounded-fetch.ts";
import { readLink } from "../../lib/link-proxy/control.ts";
import { isSameProcess, isStopped } from "../../lib/process/identity.ts";
import { stopProcess } from "../../lib/process/supervisor.ts";
import { freePort, isPortFree } from "../../lib/process/wait.ts";
import { formRedisCluster, portTaken, startLinkProxy, startNode, startRedisServer, type StartContext } from "./cluster-parts.ts";
import { detailsOf, localClusterOf, nodePart, processOf, readAdminToken, SUBJECT, type ClusterDetails, type NodePart, type RedisPart } from "./cluster-record.ts";
import { PATH } from "./wire.ts";
import { redisAnswers } from "./redis-admin.ts";

const ALGORITHMS = ["fixed-window", "sliding-window", "sliding-log", "gcra"] as const;
const MAX_NODES = 26;

export const clusterOptions = defineOptions({
  nodes: { env: "OPERATOR_CLUSTER_NODES", default: "3", schema: PositiveInt, help: `rate-limiter nodes to start (ids a, b, c, …; at most ${MAX_NODES})` },
  redisShards: { env: "OPERATOR_CLUSTER_REDIS_SHARDS", default: "0", schema: OneOf(["0", "3"] as const), help: "0: one redis-server; 3: a Redis Cluster of 3 masters" },
  algorithm: { env: "OPERATOR_CLUSTER_ALGORITHM", default: "sliding-log", schema: OneOf(ALGORITHMS), help: `every node's algorithm: ${ALGORITHMS.join(", ")}` },
  defaultLimit: { env: "OPERATOR_CLUSTER_DEFAULT_LIMIT", default: "10", schema: PositiveInt, help: "every node's limit per key per window" },
  window: { env: "OPERATOR_CLUSTER_WINDOW", default: "60s", schema: PositiveDuration, help: "every node's window" },
  failPolicy: { env: "OPERATOR_CLUSTER_FAIL_POLICY", default: "open", schema: OneOf(["open", "closed", "local"] as const), help: "what every node decides when Redis fails: open, closed or local" },
  redisTimeout: { env: "OPERATOR_CLUSTER_REDIS_TIMEOUT", default: "50ms", schema: PositiveDuration, help: "how long every node waits for Redis per check" },
  redisPort: { env: "OPERATOR_CLUSTER_REDIS_PORT", default: "0", schema: Port, help: "Redis port (shards take it and the next two); 0 = any free port" },
  basePort: { env: "OPERATOR_CLUSTER_BASE_PORT", default: "0", schema: Port, help: "node i listens on BASE+i; 0 = any free port" },
  redisServer: { env: "OPERATOR_REDIS_SERVER", default: "redis-server", schema: Text, help: "the redis-server executable" },
});

type ClusterOptions = ResolvedOptions<typeof clusterOptions>;

const nodeId = (i: number) => String.fromCharCode(97 + i);
const startContext = (ctx: DeploymentContext): StartContext => ({ dir: ctx.dir, selfCommand: ctx.selfCommand, env: ctx.env, signal: ctx.signal, owner: ctx.stateDir });

async function checkPrerequisites(o: ClusterOptions): Promise<void> {
  if (o.nodes > MAX_NODES) throw usageError("too_many_nodes", `--nodes ${o.nodes} is more than ${MAX_NODES}: start fewer nodes`);
  if (!Bun.which(o.redisServer)) {
    throw usageError("redis_server_missing", `redis-server not found ("${o.redisServer}"): install it (make deps, or apt-get install redis-server) or pass --redis-server PATH (env OPERATOR_REDIS_SERVER)`);
  }
  const shards = Number(o.redisShards) || 1;
  for (let i = 0; o.redisPort && i < shards; i++) if (!(await isPortFree(o.redisPort + i))) throw portTaken(o.redisPort + i, "Redis", "--redis-port");
  for (let i = 0; o.basePort && i < o.nodes; i++) if (!(await isPortFree(o.basePort + i))) throw portTaken(o.basePort + i, `node ${nodeId(i)}`, "--base-port");
}

async function up(ctx: DeploymentContext, raw: Record<string, unknown>): Promise<DeploymentRecord> {
  const o = raw as ClusterOptions;
  await checkPrerequisites(o);
  const sctx = startContext(ctx);
  const adminTokenFile = join(sctx.dir, "admin-token");
  mkdirSync(join(sctx.dir, "logs"), { recursive: true });
  const adminToken = randomBytes(32).toString("hex");
  writeFileSync(adminTokenFile, `${adminToken}\n`, { mode: 0o600 });
  const started: ProcessRecord[] = [];
  try {
    const shards = Number(o.redisShards);
    const redis: RedisPart[] = shards === 0
      ? [{ name: "redis", port: o.redisPort || freePort(), dir: join(sctx.dir, "redis") }]
      : Array.from({ length: shards }, (_, i) => ({ name: `redis-${i}`, port: o.redisPort ? o.redisPort + i : freePort(), dir: join(sctx.dir, `redis-${i}`) }));
    ctx.note(`starting ${shards === 0 ? "redis-server" : `a Redis Cluster of ${shards} masters`} on ${redis.map((r) => r.port).join(", ")}`);
    const redisProcesses = await Promise.all(redis.map((r) => startRedisServer(sctx, { ...r, binary: o.redisServer, clusterEnabled: shards > 0 }).then((p) => (started.push(p), p))));
    if (shards > 0) await formRedisCluster(redis.map((r) => r.port), ctx.signal);
    const nodes: NodePart[] = [];
    for (let i = 0; i < o.nodes; i++) {
      const id = nodeId(i);
      if (shards > 0) {
        nodes.push({ id, name: `node-${id}`, port: o.basePort ? o.basePort + i : 0, url: "", redisUrl: `redis+cluster://${redis.map((r) => `127.0.0.1:${r.port}`).join(",")}` });
        continue;
      }
      const link = await startLinkProxy(sctx, { name: `link-${id}`, upstreamPort: redisProcesses[0]!.port!, tokenFile: adminTokenFile });
      started.push(link.process);
      nodes.push({ id, name: `node-${id}`, port: o.basePort ? o.basePort + i : 0, url: "", redisUrl: `redis://127.0.0.1:${link.process.port}`, link: { name: link.process.name, port: link.process.port!, controlUrl: link.controlUrl } });
    }
    const nodeFlags = { algorithm: o.algorithm, defaultLimit: String(o.defaultLimit), window: formatDuration(o.window), failPolicy: o.failPolicy, redisTimeout: formatDuration(o.redisTimeout) };
    ctx.note(`starting ${o.nodes} node${o.nodes === 1 ? "" : "s"} (${nodeFlags.algorithm}, limit ${nodeFlags.defaultLimit} per ${nodeFlags.window}, fail ${nodeFlags.failPolicy})`);
    const results = await Promise.allSettled(nodes.map((n) => startNode(sctx, { name: n.name, id: n.id, port: n.port, redisUrl: n.redisUrl, flags: nodeFlags, adminToken })));
    for (const r of results) if (r.status === "fulfilled") started.push(r.value);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    results.forEach((r, i) => {
      const p = (r as PromiseFulfilledResult<ProcessRecord>).value;
      nodes[i] = { ...nodes[i]!, port: p.port!, url: p.url! };
    });
    const details: ClusterDetails = { redisMode: shards === 0 ? "single" : "cluster", redis, nodes, adminTokenFile, redisServer: o.redisServer, nodeFlags };
    return { subject: SUBJECT, createdAt: new Date().toISOString(), stateDir: ctx.stateDir, endpoints: nodes.map((n) => n.url), processes: started, details: details as unknown as Record<string, unknown> };
  } catch (error) {
    // Nothing half-started: stop what did start, newest first, and forget its files.
    for (const p of started.reverse()) await stopProcess(p, { graceMs: 2000 });
    rmSync(sctx.dir, { recursive: true, force: true });
    throw error;
  }
}

async function partStatus(record: DeploymentRecord, p: ProcessRecord, token: string): Promise<PartStatus> {
  const base = { name: p.name, role: p.role, pid: p.pid, ...(p.url ? { url: p.url } : {}) };
  if (!isSameProcess(p)) return { ...base, alive: false, healthy: false, detail: "not running" };
  if (isStopped(p)) return { ...base, alive: true, healthy: false, detail: "paused (SIGSTOP)" };
  if (p.role === "redis") {
    const ok = await redisAnswers(p.port!);
    return { ...base, alive: true, healthy: ok, detail: ok ? `answers PING on ${p.port}` : `does not answer PING on ${p.port} (paused or stuck?)` };
  }
  if (p.role === "link-proxy") {
    const node = detailsOf(record).nodes.find((n) => n.link?.name === p.name);
    const link = await readLink(node!.link!.controlUrl, token).catch(() => undefined);
    if (!link) return { ...base, alive: true, healthy: false, detail: "its control does not answer" };
    const shaped = link.cut ? "cut (partition)" : link.latency_ms > 0 ? `adds ${link.latency_ms}ms ±${link.jitter_ms}ms` : "passes traffic";
    return { ...base, alive: true, healthy: !link.cut && link.latency_ms === 0, detail: `port ${p.port} → redis: ${shaped}` };
  }
  const health = await fetchText(`${p.url}${PATH.health}`, {}, { timeoutMs: 1000, maxBytes: Number.POSITIVE_INFINITY });
  if (!health.ok) return { ...base, alive: true, healthy: false, detail: `does not answer ${PATH.health}` };
  return { ...base, alive: true, healthy: health.status === 200, detail: `${PATH.health} ${health.status}${health.status === 200 ? "" : ` ${health.body.slice(0, 120)}`}` };
}

async function status(_ctx: DeploymentContext, record: DeploymentRecord): Promise<PartStatus[]> {
  const token = readAdminToken(record);
  return Promise.all(record.processes.map((p) => partStatus(record, p, token)));
}

async function restart(ctx: DeploymentContext, record: DeploymentRecord, part: string): Promise<DeploymentRecord> {
  const details = detailsOf(record);
  const sctx = startContext(ctx);
  const redis = details.redis.find((r) => r.name === part);
  if (redis) {
    await stopProcess(processOf(record, redis.name));
    const next = await startRedisServer(sctx, { ...redis, binary: details.redisServer, clusterEnabled: details.redisMode === "cluster" });
    return withProcess(record, next);
  }
  const node = nodePart(record, part);
  await stopProcess(processOf(record, node.name));
  const next = await startNode(sctx, { name: node.name, id: node.id, port: node.port, redisUrl: node.redisUrl, flags: details.nodeFlags, adminToken: readAdminToken(record) });
  return withProcess(record, next);
}

function describe(record: DeploymentRecord): Record<string, unknown> {
  const cluster = localClusterOf(record);
  return {
    subject: record.subject,
    state_dir: record.stateDir,
    created_at: record.createdAt,
    redis: cluster.redis,
    nodes: cluster.nodes.map((n) => ({ id: n.id, url: n.url, pid: n.pid, redis_url: n.redisUrl, ...(n.linkControlUrl ? { link_control_url: n.linkControlUrl } : {}) })),
    admin_token_file: cluster.adminTokenFile,
  };
}

export const deployment: DeploymentDefinition = {
  description: "redis-server (or a 3-master Redis Cluster), a link proxy per node, N rate-limiter nodes",
  options: clusterOptions,
  up,
  status,
  restartableParts: (record) => [...detailsOf(record).nodes.map((n) => n.id), ...detailsOf(record).redis.map((r) => r.name)],
  restart,
  describe,
};
