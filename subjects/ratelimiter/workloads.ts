// What `operator loadgen` sends to rate-limiter nodes: checks, where a 429 is a correct denial.
import type { WorkloadDefinition } from "../../lib/load/workload.ts";
import { PATH } from "./wire.ts";

export const checkWorkload: WorkloadDefinition = {
  name: "check",
  description: `POST ${PATH.check} {key, cost}: 200 allowed, 429 denied, anything else an error`,
  create: ({ cost }) => ({
    request: (key) => ({ method: "POST", path: PATH.check, body: JSON.stringify({ key, cost }), headers: { "content-type": "application/json" } }),
    classify: (status) => (status === 200 ? "allowed" : status === 429 ? "denied" : undefined),
  }),
};

export const workloads: WorkloadDefinition[] = [checkWorkload];
