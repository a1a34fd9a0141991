// The rate limiter as a subject, seen from outside: its HTTP API, its metrics and its Redis.
import type { SubjectPlugin } from "../../lib/subject.ts";
import { deployment } from "./deployment.ts";
import { faults } from "./faults/index.ts";
import { workloads } from "./workloads.ts";

const plugin: SubjectPlugin = {
  name: "ratelimiter",
  description: "the operator's own distributed rate limiter: nodes sharing one Redis (or a Redis Cluster)",
  options: {},
  invariants: [],
  actionDefinitions: [],
  async open() {
    throw new Error("the ratelimiter subject cannot be opened yet (issue 5)");
  },
  deployment,
  faults,
  workloads,
};

export default plugin;
