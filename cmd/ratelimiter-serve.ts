// operator ratelimiter serve: one rate-limiter node in the foreground until SIGTERM/SIGINT.
import { defineOperatorCommand } from "../lib/cli/cli.ts";
import { defineOptions, NonEmptyText, OneOf, Port, PositiveDuration, PositiveInt, Text } from "../lib/cli/config.ts";
import { formatDuration } from "../lib/cli/duration.ts";
import { isOperatorError, usageError } from "../lib/cli/errors.ts";
import { log } from "../lib/cli/log.ts";
import { ALGORITHMS, FAIL_POLICIES } from "../ratelimiter/options.ts";
import { parseRedisUrl, redactRedisUrl } from "../ratelimiter/redis-url.ts";
import { startNode } from "../ratelimiter/server.ts";

const options = defineOptions({
  host: { env: "RATELIMITER_HOST", default: "127.0.0.1", schema: NonEmptyText, help: "interface to listen on" },
  port: { env: "RATELIMITER_PORT", default: "8080", schema: Port, help: "port to listen on (0 = any free port, printed at start)" },
  // Checked in run, not by the schema: a bad URL's message must not echo its password.
  redisUrl: {
    env: "RATELIMITER_REDIS_URL",
    default: "redis://127.0.0.1:6379",
    schema: Text,
    help: "redis://host:port, rediss:// (TLS), redis+cluster://h1:p1,h2:p2 (Redis Cluster), redis+sentinel://h:p[,h:p]/<master>",
  },
  nodeId: { env: "RATELIMITER_NODE_ID", schema: NonEmptyText, help: "this node's id in the registry (default <hostname>-<port>)" },
  defaultLimit: { env: "RATELIMITER_DEFAULT_LIMIT", default: "10", schema: PositiveInt, help: "requests per window for keys without an override" },
  window: { env: "RATELIMITER_WINDOW", default: "60s", schema: PositiveDuration, help: "the limit's window" },
  algorithm: { env: "RATELIMITER_ALGORITHM", default: "sliding-log", schema: OneOf(ALGORITHMS), help: `one of ${ALGORITHMS.join(", ")}` },
  failPolicy: {
    env: "RATELIMITER_FAIL_POLICY",
    default: "open",
    schema: OneOf(FAIL_POLICIES),
    help: "when Redis is slow or gone: open (admit), closed (deny), local (an in-process limiter with this node's share of the limit)",
  },
  redisTimeout: { env: "RATELIMITER_REDIS_TIMEOUT", default: "50ms", schema: PositiveDuration, help: "how long a check waits for Redis before the fail policy decides" },
  maxInFlight: {
    env: "RATELIMITER_MAX_IN_FLIGHT",
    default: "1000",
    schema: PositiveInt,
    help: "checks in flight past which the node answers 503 overloaded with Retry-After (admits and charges nothing)",
  },
  adminToken: { env: "RATELIMITER_ADMIN_TOKEN", schema: Text, secret: true, help: "bearer token of the admin endpoints (none: admin endpoints answer 403)" },
});

export default defineOperatorCommand({
  name: "ratelimiter serve",
  description: "Run one rate-limiter node: the HTTP API on --port, state in Redis shared with the other nodes. Stops on SIGTERM/SIGINT.",
  examples: [
    "operator ratelimiter serve --port 0 --redis-url redis://127.0.0.1:6380",
    "operator ratelimiter serve --json --node-id a --algorithm gcra --default-limit 100 --window 1m --fail-policy local",
    "RATELIMITER_ADMIN_TOKEN=$(cat token) operator ratelimiter serve --redis-url redis+cluster://10.0.0.1:7000,10.0.0.2:7000",
    `curl -s -XPOST localhost:8080/api/v1/check -d '{"key":"user:42","cost":1}'`,
  ],
  options,
  async run({ options: o, out, signal }) {
    try {
      parseRedisUrl(o.redisUrl);
    } catch (error) {
      if (isOperatorError(error)) throw usageError(error.code, `--redis-url: ${error.message} (env RATELIMITER_REDIS_URL)`);
      throw error;
    }
    const node = await startNode({
      host: o.host,
      port: o.port,
      redisUrl: o.redisUrl,
      ...(o.nodeId ? { nodeId: o.nodeId } : {}),
      defaultLimit: o.defaultLimit,
      windowMs: o.window,
      algorithm: o.algorithm,
      failPolicy: o.failPolicy,
      redisTimeoutMs: o.redisTimeout,
      maxInFlight: o.maxInFlight,
      ...(o.adminToken ? { adminToken: o.adminToken } : {}),
      log: { info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
    });
    const started = {
      node_id: node.nodeId,
      url: node.url,
      redis_url: redactRedisUrl(o.redisUrl),
      algorithm: o.algorithm,
      default_limit: o.defaultLimit,
      window_ms: o.window,
      fail_policy: o.failPolicy,
      admin: o.adminToken !== undefined,
    };
    out.result(started, (s) =>
      `node ${s.node_id} listening on ${s.url} (redis ${s.redis_url}, ${s.algorithm} ${s.default_limit}/${formatDuration(s.window_ms)}, fail policy ${s.fail_policy})`,
    );
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    out.note(`node ${node.nodeId}: ${String(signal.reason ?? "signal")}, stopping (finishing in-flight requests, deregistering)`);
    await node.stop();
    out.note(`node ${node.nodeId} stopped`);
    return 0;
  },
});
