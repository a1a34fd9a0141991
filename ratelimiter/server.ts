// startNode: one rate-limiter node. Connects Redis, serves the HTTP API, registers itself with a
// heartbeat, probes Redis in the background, and stops gracefully (finish in-flight, deregister).
import { hostname } from "node:os";
import { httpError } from "../lib/cli/errors.ts";
import { defineCheckScripts, defineCounterScripts } from "./algorithms/scripts.ts";
import { createApp, createCheckHandler, type NodeContext } from "./app.ts";
import { createChecker } from "./check.ts";
import { createCheckResponder } from "./check-response.ts";
import { createCounters, type Counters, type CounterView } from "./counters.ts";
import { DistinctKeys } from "./distinct-keys.ts";
import { HotKeys } from "./hot-keys.ts";
import { createLimits } from "./limits.ts";
import { LocalLimiter } from "./local-limiter.ts";
import { createNodeMetrics } from "./metrics.ts";
import { createNodeRegistry } from "./node-registry.ts";
import { modeOfPolicy, resolveNodeOptions, type NodeMode, type NodeOptions } from "./options.ts";
import { connectRedis } from "./redis-client.ts";
import { createRedisGate, isUnavailability, RedisUnavailableError, type RedisCall } from "./redis-gate.ts";
import { parseRedisUrl } from "./redis-url.ts";

export type { NodeOptions } from "./options.ts";

export interface RunningNode {
  /** http://host:port, the port chosen when options.port was 0 */
  url: string;
  nodeId: string;
  /** Graceful: stop taking requests, finish in-flight ones, deregister, close Redis. Idempotent. */
  stop(): Promise<void>;
}

// Non-check calls (admin writes, lists, heartbeats) may take longer than a check's timeout.
const SLOW_CALL_TIMEOUT_MS = 2_000;
const CONNECT_WAIT_MS = 1_000;
const FAILURE_THRESHOLD = 3;
const ERROR_LOG_EVERY_MS = 5_000;

export async function startNode(input: NodeOptions): Promise<RunningNode> {
  const options = resolveNodeOptions(input);
  const { log, failPolicy } = options;
  const target = parseRedisUrl(options.redisUrl);
  const hide = (text: string) => (target.password ? text.replaceAll(target.password, "***") : text);
  const startedAt = Date.now();

  let lastErrorLogAt = 0;
  const redis = connectRedis(options.redisUrl, target, (error) => {
    if (Date.now() - lastErrorLogAt < ERROR_LOG_EVERY_MS) return;
    lastErrorLogAt = Date.now();
    log.warn(`Redis ${redis.safeUrl}: ${hide(error.message)}`);
  });

  let draining = false;
  let stopping = false;
  let nodeCount = 1;
  let latencyMs: number | null = null;
  /** The last probe was past --redis-timeout but answered: Redis is reachable, over a slow link. */
  let answeredLate = false;
  const decisions = { allowed: 0, denied: 0, fallback: 0, shed: 0 };
  let inFlight = 0;
  const hotKeys = new HotKeys(options.hotKeysCapacity, options.hotKeysWindowMs, startedAt);
  const distinctKeys = new DistinctKeys(options.hotKeysWindowMs, startedAt);
  const local = new LocalLimiter();

  const isConnected = () => redis.isReady() && gate.isAvailable;
  const mode = (): NodeMode => (isConnected() ? "redis" : modeOfPolicy[failPolicy]);
  const metrics = createNodeMetrics({
    mode,
    isRedisConnected: isConnected,
    activeCounters: () => distinctKeys.estimate(Date.now()),
    isDraining: () => draining || stopping,
  });
  const gate = createRedisGate({
    timeoutMs: options.redisTimeoutMs,
    policy: { failureThreshold: FAILURE_THRESHOLD, probeIntervalMs: options.probeIntervalMs },
    confirm: () => redis.confirm(),
    hooks: {
      observeCall: (seconds) => metrics.observeRedisCall(seconds),
      onError: () => metrics.countRedisError(),
      onAvailabilityChange: (available) =>
        available
          ? log.info(`Redis ${redis.safeUrl} answers again: deciding on Redis`)
          : log.warn(`Redis ${redis.safeUrl} does not answer: deciding by fail policy "${failPolicy}" (mode ${modeOfPolicy[failPolicy]})`),
    },
  });

  const checker = createChecker({
    scripts: defineCheckScripts(redis.checks, options.algorithm),
    gate,
    options,
    local,
    nodeCount: () => nodeCount,
    observe(decision, seconds) {
      const now = Date.now();
      if (decision.allowed) decisions.allowed++;
      else decisions.denied++;
      if (decision.mode !== "redis") {
        decisions.fallback++;
        metrics.countFallback(failPolicy);
      }
      metrics.observeCheck(seconds, decision.allowed);
      hotKeys.record(decision.key, decision.allowed, now);
      distinctKeys.record(decision.key, now);
    },
    onDataError: (error) => log.error(`check failed on Redis, decided by fail policy "${failPolicy}": ${hide(String((error as Error)?.message ?? error))}`),
  });

  const call: RedisCall = async (fn) => {
    if (!gate.isAvailable) throw httpError(503, "redis_unavailable", `Redis ${redis.safeUrl} is unreachable: try again when GET /health answers 200`);
    try {
      return await gate.settle(fn(), SLOW_CALL_TIMEOUT_MS);
    } catch (error) {
      if (error instanceof RedisUnavailableError || isUnavailability(error)) {
        throw httpError(503, "redis_unavailable", `Redis ${redis.safeUrl} did not answer: ${hide((error as Error).message)}`);
      }
      throw httpError(502, "redis_error", `Redis answered with an error: ${hide((error as Error).message)}`);
    }
  };
  const defaults = { limit: options.defaultLimit, windowMs: options.windowMs, algorithm: options.algorithm };
  const limits = createLimits(redis.control, call, defaults);
  const redisCounters = createCounters({ scripts: defineCounterScripts(redis.control), masters: () => redis.masters(), call }, defaults);
  const isLocalMode = () => failPolicy === "local" && !isConnected();
  const localView = (key: string): CounterView => {
    const known = checker.knownLimit(key);
    const { count, share, ttlMs } = local.peek(key, known.limit, known.windowMs, nodeCount, Date.now());
    return { key, count, limit: share, window_ms: known.windowMs, ttl_ms: ttlMs, algorithm: known.algorithm, source: "local" };
  };
  const counters: Counters = {
    get: async (key) => (isLocalMode() ? localView(key) : redisCounters.get(key)),
    list: async (prefix, count) => (isLocalMode() ? local.keys(prefix, count, Date.now()).sort().map(localView) : redisCounters.list(prefix, count)),
    reset: (key) => redisCounters.reset(key),
  };

  const connected = await redis.waitReady(CONNECT_WAIT_MS);
  if (!connected) log.warn(`Redis ${redis.safeUrl} is not reachable yet: starting in mode ${modeOfPolicy[failPolicy]}`);

  let nodeId = options.nodeId ?? "";
  const context: NodeContext = {
    get nodeId() {
      return nodeId;
    },
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    checker,
    responder: createCheckResponder({ limit: options.defaultLimit, windowMs: options.windowMs }),
    limits,
    counters,
    hotKeys: (count) => hotKeys.top(count, Date.now()),
    nodes: () => call(() => registry.list()),
    info: () => ({
      node_id: nodeId,
      url,
      uptime_ms: Date.now() - startedAt,
      redis: { connected: isConnected() || (redis.isReady() && answeredLate), latency_ms: latencyMs, url: redis.safeUrl, kind: target.kind },
      fail_policy: failPolicy,
      mode: mode(),
      decisions: { ...decisions },
      draining: draining || stopping,
      algorithm: options.algorithm,
      default_limit: options.defaultLimit,
      window_ms: options.windowMs,
      redis_timeout_ms: options.redisTimeoutMs,
      in_flight: inFlight,
      max_in_flight: options.maxInFlight,
      registered_nodes: nodeCount,
    }),
    unavailableReason: () => (stopping ? "shutting_down" : draining ? "draining" : isConnected() ? undefined : answeredLate ? "redis_slow" : "redis_unreachable"),
    mode,
    isDraining: () => draining || stopping,
    enterCheck() {
      if (inFlight >= options.maxInFlight) return false;
      inFlight++;
      return true;
    },
    leaveCheck: () => void inFlight--,
    shed() {
      decisions.shed++;
      metrics.countShed();
      return Response.json(
        { error: "overloaded", message: `node ${nodeId} has ${options.maxInFlight} checks in flight (--max-in-flight): retry after 1 s or send to another node` },
        { status: 503, headers: { "Retry-After": "1" } },
      );
    },
    setDraining: (drain) => {
      draining = drain;
      log.info(`node ${nodeId} ${drain ? "drains: checks answer 503" : "takes checks again"}`);
    },
    metrics,
    log,
  };

  const app = createApp(context);
  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    // The check route goes straight to its handler (Bun's native router); other methods on its
    // path and every other route go through hono.
    routes: { "/api/v1/check": { POST: createCheckHandler(context) } },
    fetch: app.fetch,
    maxRequestBodySize: 1024 * 1024,
    development: false,
  });
  const urlHost = options.host === "0.0.0.0" || options.host === "::" ? hostname() : options.host.includes(":") ? `[${options.host}]` : options.host;
  const url = `http://${urlHost}:${server.port}`;
  nodeId ||= `${hostname()}-${server.port}`;

  const registry = createNodeRegistry(redis.control, nodeId, options.heartbeatMs * 5);
  const heartbeat = async () => {
    if (!gate.isAvailable || stopping) return;
    try {
      const fields = { url, started_at_ms: startedAt, algorithm: options.algorithm, fail_policy: failPolicy, mode: mode() };
      nodeCount = Math.max(1, await gate.settle(registry.heartbeat(fields), SLOW_CALL_TIMEOUT_MS));
    } catch (error) {
      log.warn(`heartbeat of node ${nodeId} failed: ${hide((error as Error).message)}`);
    }
  };
  let probing = false;
  const probe = async () => {
    if (probing || stopping) return;
    probing = true;
    const sentAt = performance.now();
    // On the control client: Redis's own latency, without this node's backlog of checks.
    const call = redis.confirm();
    const roundTrip = call.then(() => Math.round((performance.now() - sentAt) * 1000) / 1000, () => null);
    try {
      await gate.probe(() => call);
      latencyMs = await roundTrip;
      answeredLate = false;
    } catch {
      // Judged late or refused. A slow link still answers, late: that round trip is what tells it
      // from a silent Redis (paused, partitioned), which gives none within SLOW_CALL_TIMEOUT_MS.
      latencyMs = null;
      const late = await Promise.race([roundTrip, Bun.sleep(SLOW_CALL_TIMEOUT_MS).then(() => null)]);
      latencyMs = late;
      answeredLate = late !== null;
    } finally {
      probing = false;
    }
  };
  if (connected) await Promise.all([heartbeat(), probe()]);
  const heartbeatTimer = setInterval(heartbeat, options.heartbeatMs);
  const probeTimer = setInterval(probe, options.probeIntervalMs);
  heartbeatTimer.unref();
  probeTimer.unref();

  let stopped: Promise<void> | undefined;
  async function stop(): Promise<void> {
    stopping = true;
    clearInterval(heartbeatTimer);
    clearInterval(probeTimer);
    // Stop listening; idle connections close now, busy ones after their response.
    const drained = await Promise.race([server.stop(false).then(() => true), Bun.sleep(3_000).then(() => false)]);
    if (!drained) await server.stop(true);
    if (gate.isAvailable) {
      await gate.settle(registry.deregister(), 1_000).catch((error) => log.warn(`could not deregister node ${nodeId}: ${hide((error as Error).message)}`));
    }
    await redis.close(500);
  }

  return {
    url,
    nodeId,
    stop: () => (stopped ??= stop()),
  };
}
