// etcd as a subject: a real Raft cluster seen through its v3 JSON gateway and metrics, every member
// asked; its local deployment, its faults and its workloads.
import * as v from "valibot";
import { defineOptions, HttpUrl, List, PositiveDuration } from "../../lib/cli/config.ts";
import { usageError } from "../../lib/cli/errors.ts";
import type { SubjectPlugin } from "../../lib/subject/subject.ts";
import { actionDefinitions } from "./actions.ts";
import { openEtcd, type EtcdSubjectOptions } from "./connect.ts";
import { deployment } from "./deployment.ts";
import { fillQuota } from "./fill-quota.ts";
import { invariants } from "./invariants.ts";
import { loadLocalEtcd } from "./local-cluster.ts";
import { leaderKill, memberKill, memberPause, quorumLoss } from "./member-faults.ts";
import type { EtcdObservation } from "./observe.ts";
import { scenarios, variation } from "./scenarios.ts";
import { workloads } from "./workloads.ts";

const Endpoints = v.pipe(
  List,
  v.check((urls) => urls.length > 0, "names no endpoint: use http://127.0.0.1:2379,http://127.0.0.1:22379"),
  v.check((urls) => urls.every((url) => v.is(HttpUrl, url)), "holds a URL that is not http(s): use http://127.0.0.1:2379,http://127.0.0.1:22379"),
  v.transform((urls) => urls.map((url) => url.replace(/\/+$/, ""))),
);

export const options = defineOptions({
  endpoints: {
    env: "OPERATOR_ETCD_ENDPOINTS",
    schema: Endpoints,
    help: "client URLs of etcd members, comma-separated; any one that answers gives the membership, then every member is asked (default: the local etcd cluster in the state dir)",
  },
  etcdTimeout: { env: "OPERATOR_ETCD_TIMEOUT", default: "1s", schema: PositiveDuration, help: "deadline of each request to a member: a hung member costs at most this per observation" },
});

const plugin: SubjectPlugin<EtcdObservation> = {
  name: "etcd",
  description: "an etcd v3 cluster (Raft): members, leader, alarms and backend quota, through the JSON gateway and /metrics of every member",
  options,
  invariants,
  actionDefinitions,
  async open(given, context) {
    const resolved = given as EtcdSubjectOptions;
    const local = loadLocalEtcd(context.stateDir);
    const endpoints = resolved.endpoints?.length ? resolved.endpoints : local?.endpoints;
    if (!endpoints?.length) {
      throw usageError("missing_endpoints", `no --endpoints and no local etcd cluster in ${context.stateDir}: pass --endpoints http://127.0.0.1:2379,... (env OPERATOR_ETCD_ENDPOINTS) or run operator cluster up --subject etcd`);
    }
    // restart_member acts only on members this operator started: the endpoints must be the local cluster's,
    // and the command must have given a way to restart its parts.
    const isLocal = local !== undefined && endpoints.every((url) => local.endpoints.includes(url));
    const restartPart = isLocal ? context.restartPart : undefined;
    return openEtcd({ ...resolved, endpoints, members: restartPart ? { restartMember: (name, signal) => restartPart(name, signal) } : null });
  },
  deployment,
  faults: [memberKill, memberPause, leaderKill, quorumLoss, fillQuota],
  workloads,
  scenarios,
  variation,
};

export default plugin;
