// The rate limiter as a subject, seen from outside: its HTTP API, its metrics and its Redis.
import { usageError } from "../../lib/cli/errors.ts";
import type { Subject, SubjectPlugin } from "../../lib/subject/subject.ts";
import { executeRatelimiterAction, ratelimiterActions } from "./actions.ts";
import { localTargets } from "./local-targets.ts";
import { DEFAULT_LATENCY_LIMITS, invariants, invariantsWithin } from "./invariants.ts";
import type { RatelimiterObservation } from "./observation.ts";
import { createObserver } from "./observe.ts";
import { subjectOptions, type SubjectOptions } from "./options.ts";
import { FAULT_CLASSES, rules } from "./rules.ts";
import { deployment } from "./deployment.ts";
import { faults } from "./faults/index.ts";
import { workloads } from "./workloads.ts";
import { demo } from "./chapters.ts";
import { scenarios } from "./scenarios.ts";
import { variation } from "./variation.ts";

const NAME = "ratelimiter";

const plugin: SubjectPlugin<RatelimiterObservation> = {
  name: NAME,
  description: "the operator's own distributed rate limiter: nodes sharing one Redis (or a Redis Cluster)",
  options: subjectOptions,
  invariants,
  actionDefinitions: ratelimiterActions,
  async open(raw, context): Promise<Subject<RatelimiterObservation>> {
    const options = raw as SubjectOptions;
    const local = options.targets ? undefined : localTargets(context.stateDir);
    if (!options.targets && !local) {
      throw usageError("no_targets", `no --targets and no local cluster in ${context.stateDir}: run operator cluster up, or pass --targets http://host:port,... (env OPERATOR_TARGETS)`);
    }
    const redisUrl = options.redisUrl ?? local?.redisUrl;
    const adminToken = options.adminToken ?? local?.adminToken();
    const observer = createObserver({
      targets: options.targets?.map((url) => ({ url })) ?? local!.nodes,
      ...(redisUrl ? { redisUrl } : {}),
      httpTimeoutMs: options.httpTimeout,
      keySample: options.keySample,
    });
    // Callers that build options by hand (tests, other commands) may leave the thresholds out.
    const watchedInvariants = invariantsWithin({
      checkP99Ms: options.checkP99Threshold ?? DEFAULT_LATENCY_LIMITS.checkP99Ms,
      redisLatencyMs: options.redisLatencyThreshold ?? DEFAULT_LATENCY_LIMITS.redisLatencyMs,
    });
    return {
      name: NAME,
      observe: (signal) => observer.observe(signal),
      observationErrors: (o) => o.problems,
      invariants: watchedInvariants,
      actions: () => ratelimiterActions,
      execute: (name, params, signal) =>
        executeRatelimiterAction(name, params, {
          nodes: async () => observer.nodes(),
          ...(adminToken ? { adminToken } : {}),
          ...(redisUrl ? { redisUrl } : {}),
          requestTimeoutMs: options.httpTimeout,
          // Only parts of the local cluster recorded in the state dir restart (node ids matched by URL); the action says so otherwise.
          ...(context.restartPart ? { restartNode: context.restartPart, stateDir: context.stateDir } : {}),
        }, signal),
      diagnosisRules: rules,
      faultClasses: FAULT_CLASSES,
      close: () => observer.close(),
    };
  },
  deployment,
  faults,
  workloads,
  demo,
  scenarios,
  variation,
};

export default plugin;
