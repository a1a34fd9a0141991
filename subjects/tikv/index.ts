// TiKV as a subject, seen the way an SRE sees it: through PD's HTTP API and, when given, Prometheus.
import * as v from "valibot";
import { defineOptions, flagName, HttpUrl, List, PositiveDuration, type TextSchema } from "../../lib/cli/config.ts";
import { loadDeployment } from "../../lib/cluster/deployment.ts";
import { usageError } from "../../lib/cli/errors.ts";
import type { Subject, SubjectPlugin } from "../../lib/subject/subject.ts";
import { actionDefinitions, executeAction } from "./actions.ts";
import { deployment, detailsOf } from "./deployment.ts";
import { faults } from "./faults.ts";
import { invariants } from "./invariants.ts";
import type { TikvObservation } from "./observation.ts";
import { observeCluster } from "./observe.ts";
import { PdClient } from "./pd-client.ts";
import { PrometheusClient } from "./prometheus-client.ts";
import { shownUrl } from "./redact-url.ts";
import { FAULT_CLASSES, rules } from "./rules.ts";
import { scenarios } from "./scenarios.ts";

const HttpUrlList: TextSchema<string[]> = v.pipe(
  List,
  v.check((urls) => urls.length > 0, "needs at least one PD URL such as http://127.0.0.1:2379"),
  v.check((urls) => urls.every((u) => v.is(HttpUrl, u)), "is not a comma-separated list of http(s) URLs such as http://pd1:2379,http://pd2:2379"),
  v.transform((urls) => urls.map((u) => v.parse(HttpUrl, u))),
);

const DEFAULT_PD_URL = "http://127.0.0.1:2379";

export const options = defineOptions({
  pdUrl: {
    env: "OPERATOR_PD_URL",
    schema: HttpUrlList,
    help: `PD client URLs, comma-separated, tried in order (one that does not answer counts against pd_unhealthy); default: the PDs of the local cluster (cluster up --subject tikv), else ${DEFAULT_PD_URL}`,
  },
  prometheusUrl: {
    env: "OPERATOR_PROMETHEUS_URL",
    schema: HttpUrl,
    help: "Prometheus that scrapes the TiKV stores (default: the local cluster's); without one only PD's view is checked",
  },
  pdTimeout: {
    env: "OPERATOR_PD_TIMEOUT",
    default: "2s",
    schema: PositiveDuration,
    // Short enough that a hanging PD member fails over to the next one within monitor's --observe-timeout (5s).
    help: "timeout of one PD or Prometheus request; a PD member that takes longer is skipped for the next --pd-url",
  },
});

/** Accepts the resolved options (typed) or raw text, as a caller that skipped the resolver would pass. */
function readOptions(raw: Record<string, unknown>): { pdUrls?: string[]; prometheusUrl?: string; timeoutMs: number } {
  const pick = <T>(key: keyof typeof options, value: unknown, fallback?: string): T | undefined => {
    const text = value ?? fallback;
    if (text === undefined || typeof text !== "string") return text as T | undefined;
    const parsed = v.safeParse(options[key].schema, text);
    if (!parsed.success) {
      throw usageError("invalid_option", `--${flagName(key)} ${JSON.stringify(shownUrl(text))} ${parsed.issues[0].message} (env ${options[key].env})`);
    }
    return parsed.output as T;
  };
  return {
    pdUrls: pick<string[]>("pdUrl", raw.pdUrl),
    prometheusUrl: pick<string>("prometheusUrl", raw.prometheusUrl),
    timeoutMs: pick<number>("pdTimeout", raw.pdTimeout, options.pdTimeout.default)!,
  };
}

/**
 * Without --pd-url: the local cluster's PDs (and Prometheus) when one is recorded, else PD's default
 * address. Its TiKV services are restartable when the cluster watched is that local one.
 */
function withLocalCluster(given: ReturnType<typeof readOptions>, stateDir: string) {
  const local = stateDir ? loadDeployment(stateDir) : undefined;
  const tikvLocal = local?.subject === "tikv" ? local : undefined;
  const pdUrls = given.pdUrls ?? tikvLocal?.endpoints ?? [DEFAULT_PD_URL];
  const isLocal = !!tikvLocal && pdUrls.some((url) => tikvLocal.endpoints.includes(url));
  return {
    ...given,
    pdUrls,
    prometheusUrl: given.prometheusUrl ?? (given.pdUrls ? undefined : tikvLocal && (detailsOf(tikvLocal).prometheus_url ?? undefined)),
    localTikvServices: isLocal ? detailsOf(tikvLocal!).tikv_services : [],
  };
}

const plugin: SubjectPlugin<TikvObservation> = {
  name: "tikv",
  description: "a TiKV cluster, observed and acted on through PD's HTTP API (and Prometheus, when given)",
  options,
  invariants,
  actionDefinitions,
  scenarios,
  deployment,
  faults,
  async open(rawOptions, context): Promise<Subject<TikvObservation>> {
    const { pdUrls, prometheusUrl, timeoutMs, localTikvServices: local } = withLocalCluster(readOptions(rawOptions), context.stateDir);
    const pd = new PdClient({ urls: pdUrls, timeoutMs });
    const prometheus = prometheusUrl ? new PrometheusClient({ url: prometheusUrl, timeoutMs }) : null;
    const restartService = context.restartPart?.bind(context);
    const localTikvServices = restartService ? local : [];
    return {
      name: "tikv",
      observe: (signal) => observeCluster({ pd, prometheus, now: Date.now, localTikvServices }, signal),
      observationErrors: (observation) => observation.errors.map((e) => `${e.source}: ${e.message}`),
      invariants,
      actions: () => actionDefinitions,
      execute: (name, params, signal) => executeAction({ pd, prometheus, restartService, localTikvServices }, name, params, signal),
      diagnosisRules: rules,
      faultClasses: FAULT_CLASSES,
      async close() {},
    };
  },
};

export default plugin;
