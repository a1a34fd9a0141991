// operator loadgen: open-loop load at a fixed rate against the local cluster or --targets.
import * as v from "valibot";
import { defineOperatorCommand, stateDirOption } from "../lib/cli/cli.ts";
import { defineOptions, Duration, List, NonEmptyText, NonNegativeInt, OneOf, PositiveDuration, PositiveInt, PositiveNumber, Ratio, Switch, Text } from "../lib/cli/config.ts";
import { loadDeployment } from "../lib/cluster/deployment.ts";
import { usageError } from "../lib/cli/errors.ts";
import { KEY_DISTRIBUTIONS } from "../lib/load/keys.ts";
import { BurstText } from "../lib/load/schedule.ts";
import { renderReport } from "../lib/load/report.ts";
import { renderSecond, runSession } from "../lib/load/session.ts";
import { DEFAULT_SUBJECT, loadSubject } from "../lib/subject/registry.ts";
import { createOutput } from "../lib/cli/output.ts";
import { activeFaultsOf } from "../lib/chaos/store.ts";
import type { WorkloadDefinition } from "../lib/load/workload.ts";

const UrlList = v.pipe(List, v.check((urls) => urls.every((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol)), "is not a list of http(s) URLs such as http://127.0.0.1:8080,http://127.0.0.1:8081"));

const options = defineOptions({
  rate: { env: "OPERATOR_LOADGEN_RATE", default: "100", schema: PositiveNumber, help: "requests per second, sent whatever the answers do" },
  duration: { env: "OPERATOR_LOADGEN_DURATION", default: "10s", schema: PositiveDuration, help: "how long to send" },
  targets: { env: "OPERATOR_LOADGEN_TARGETS", schema: UrlList, help: "comma-separated base URLs, round robin (default: the local cluster's nodes)" },
  keys: { env: "OPERATOR_LOADGEN_KEYS", default: "100", schema: PositiveInt, help: "how many distinct keys" },
  keyDist: { env: "OPERATOR_LOADGEN_KEY_DIST", default: "uniform", schema: OneOf(KEY_DISTRIBUTIONS), help: "uniform, zipf (rank^-s) or hot (key 0 takes --hot-share)" },
  hotShare: { env: "OPERATOR_LOADGEN_HOT_SHARE", default: "0.5", schema: Ratio, help: "with --key-dist hot: the share of requests for the hot key" },
  zipfExponent: { env: "OPERATOR_LOADGEN_ZIPF_EXPONENT", default: "1.1", schema: PositiveNumber, help: "with --key-dist zipf: the exponent s" },
  seed: { env: "OPERATOR_LOADGEN_SEED", schema: NonNegativeInt, help: "same seed, same key sequence (default: random, printed in the report)" },
  key: { env: "OPERATOR_LOADGEN_KEY", schema: NonEmptyText, help: "send every request for this one key (instead of --keys and --key-dist)" },
  keyPrefix: { env: "OPERATOR_LOADGEN_KEY_PREFIX", default: "loadgen-", schema: Text, help: "keys are PREFIX0 .. PREFIX(N-1)" },
  cost: { env: "OPERATOR_LOADGEN_COST", default: "1", schema: PositiveInt, help: "the cost each request asks for" },
  burst: { env: "OPERATOR_LOADGEN_BURST", schema: BurstText, help: "bursts on top of the rate: FACTORx:LENGTH/EVERY, e.g. 10x:1s/5s" },
  ramp: { env: "OPERATOR_LOADGEN_RAMP", default: "0", schema: Duration, help: "climb linearly from 0 to --rate over this long" },
  maxInFlight: { env: "OPERATOR_LOADGEN_MAX_IN_FLIGHT", default: "512", schema: PositiveInt, help: "requests due while this many are open are dropped and counted" },
  connections: { env: "OPERATOR_LOADGEN_CONNECTIONS", default: "256", schema: PositiveInt, help: "keep-alive connections per target at most; past them requests wait (their latency counts)" },
  timeout: { env: "OPERATOR_LOADGEN_TIMEOUT", default: "2s", schema: PositiveDuration, help: "a request open this long is a timeout error" },
  maxErrorRate: { env: "OPERATOR_LOADGEN_MAX_ERROR_RATE", schema: Ratio, help: "exit 1 when errors/requests is above this (0..1)" },
  maxP99: { env: "OPERATOR_LOADGEN_MAX_P99", schema: PositiveDuration, help: "exit 1 when the latency p99 is above this" },
  progress: { env: "OPERATOR_LOADGEN_PROGRESS", schema: Switch, boolean: true, help: "NDJSON on stdout: a progress event each second (with the active chaos faults), then the report" },
  subject: { env: "OPERATOR_SUBJECT", schema: Text, help: "whose workload to send (default: the local cluster's subject, else ratelimiter)" },
  workload: { env: "OPERATOR_LOADGEN_WORKLOAD", schema: Text, help: "the subject's workload (default: its first, `check` for ratelimiter)" },
  ...stateDirOption,
});

/** The subject's workload by name (default: its first); an unknown subject or workload is a usage error. */
async function workloadOf(subjectName: string, name: string | undefined): Promise<WorkloadDefinition> {
  const subject = await loadSubject(subjectName);
  const workload = name ? subject.workloads?.find((w) => w.name === name) : subject.workloads?.[0];
  if (!workload) throw usageError("unknown_workload", `subject ${subject.name} has no workload ${name ?? ""}: use one of ${subject.workloads?.map((w) => w.name).join(", ") || "none"}`);
  return workload;
}

export default defineOperatorCommand({
  name: "loadgen",
  description: "Open-loop load: requests leave at --rate whatever the answers do; latency counts from the intended send time.",
  examples: [
    "operator loadgen --rate 500 --duration 30s",
    "operator loadgen --targets http://127.0.0.1:8080 --rate 1000 --key-dist zipf --keys 10000 --json",
    "operator loadgen --rate 200 --burst 10x:1s/5s --ramp 5s --max-error-rate 0.01 --progress",
  ],
  options,
  // A --subject (and its --workload) that does not exist is exit 2 before any request; without
  // --subject the workload belongs to the local cluster's subject, known only when it runs.
  check: async ({ options: o }) => void (o.subject !== undefined && (await workloadOf(o.subject, o.workload))),
  async run({ options: o, out, signal }) {
    const deployment = loadDeployment(o.stateDir);
    const targets = o.targets ?? deployment?.endpoints ?? [];
    if (targets.length === 0) throw usageError("no_targets", `no --targets and no cluster in ${o.stateDir}: run operator cluster up, or pass --targets http://host:port`);
    const workload = await workloadOf(o.subject ?? deployment?.subject ?? DEFAULT_SUBJECT, o.workload);
    const stream = o.progress ? createOutput({ json: true }) : undefined;
    const live = !o.progress && process.stderr.isTTY;
    const report = await runSession(
      {
        schedule: { ratePerSec: o.rate, durationMs: o.duration, rampMs: o.ramp, burst: o.burst },
        targets,
        keys: { count: o.keys, distribution: o.keyDist, prefix: o.keyPrefix, seed: o.seed ?? Math.floor(Math.random() * 2 ** 31), zipfExponent: o.zipfExponent, hotShare: o.hotShare, only: o.key },
        workload: workload.create({ cost: o.cost }),
        maxInFlight: o.maxInFlight,
        connectionsPerTarget: o.connections,
        timeoutMs: o.timeout,
        maxErrorRate: o.maxErrorRate,
        maxP99Ms: o.maxP99,
      },
      {
        signal,
        note: out.note,
        onSecond: (second) => {
          if (!stream && !live) return;
          const faults = activeFaultsOf(o.stateDir).map((f) => ({ id: f.id, fault: f.fault, target: f.target }));
          if (live) out.note(renderSecond(second, faults.map((f) => `${f.fault} ${f.target}`)));
          stream?.event("progress", { second: second.second, sent: second.sent, due: second.due, completed: second.completed, allowed: second.allowed, denied: second.denied, errors: second.errors, p99_ms: second.latencyP99Ms, in_flight: second.inFlight, faults });
        },
      },
    );
    if (stream) stream.event("report", { ...report });
    else out.result(report, renderReport);
    return report.breaches.length > 0 ? 1 : 0;
  },
});
