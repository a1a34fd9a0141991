// The ratelimiter subject's own options: they join `monitor` (and other subject commands) as flags.
import * as v from "valibot";
import { defineOptions, NonEmptyText, PositiveDuration, PositiveInt, type ResolvedOptions, type TextSchema } from "../../lib/cli/config.ts";

const UrlList: TextSchema<string[]> = v.pipe(
  v.string(),
  v.transform((s) => s.split(",").map((item) => item.trim().replace(/\/+$/, "")).filter(Boolean)),
  v.check((urls) => urls.length > 0, "names no URL: use http://host:port[,http://host:port]"),
  v.check((urls) => urls.every((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol)), "is not a list of http(s) URLs such as http://127.0.0.1:8081,http://127.0.0.1:8082"),
);

export const subjectOptions = defineOptions({
  targets: { env: "OPERATOR_TARGETS", schema: UrlList, help: "rate-limiter node URLs, comma-separated (default: the local cluster in the state dir)" },
  redisUrl: { env: "OPERATOR_REDIS_URL", schema: NonEmptyText, secret: true, help: "the Redis the nodes share, observed directly (default: the local cluster's; without it, only the nodes' view of Redis)" },
  adminToken: { env: "RATELIMITER_ADMIN_TOKEN", schema: NonEmptyText, secret: true, help: "the nodes' admin bearer token, for actions that change them (default: the local cluster's token file)" },
  httpTimeout: { env: "OPERATOR_HTTP_TIMEOUT", default: "1s", schema: PositiveDuration, help: "deadline of each request to a node or to Redis" },
  keySample: { env: "OPERATOR_KEY_SAMPLE", default: "200", schema: PositiveInt, help: "counter keys sampled from Redis per cycle (SCAN on a fixed budget, resumed each cycle)" },
  checkP99Threshold: { env: "OPERATOR_CHECK_P99_THRESHOLD", default: "10ms", schema: PositiveDuration, help: "high_check_latency: a node's p99 check latency above this (raise it on a shared or slow machine)" },
  redisLatencyThreshold: { env: "OPERATOR_REDIS_LATENCY_THRESHOLD", default: "10ms", schema: PositiveDuration, help: "redis_latency: recent Redis round trips above this, every one but one of at least 3 readings, from the operator or from one node" },
});

export type SubjectOptions = ResolvedOptions<typeof subjectOptions>;
