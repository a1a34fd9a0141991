// What a subject's load looks like: the request for a key, and what an answer's status means.

/** One HTTP request, relative to a target's base URL. */
export interface LoadRequest {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface Workload {
  request(key: string): LoadRequest;
  /** `allowed` / `denied` for a correct answer (a denial is not an error); undefined makes the status an error. */
  classify(status: number): "allowed" | "denied" | undefined;
}

/** A named workload a subject offers to `operator loadgen`. */
export interface WorkloadDefinition {
  name: string;
  description: string;
  /** `cost` is loadgen's `--cost`: the weight each request asks for. */
  create(options: { cost: number }): Workload;
}
