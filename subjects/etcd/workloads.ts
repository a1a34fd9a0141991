// What `operator loadgen` sends to etcd members: puts and gets of small values through the gateway.
import type { LoadRequest, WorkloadDefinition } from "../../lib/load/workload.ts";

/** Loadgen keys live under their own prefix: a workload never touches anyone else's keys. */
const KEY_PREFIX = "/loadgen/";
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const json = { "content-type": "application/json" };

const put = (key: string, valueBytes: number): LoadRequest => ({
  method: "POST",
  path: "/v3/kv/put",
  body: JSON.stringify({ key: b64(KEY_PREFIX + key), value: b64("v".repeat(valueBytes)) }),
  headers: json,
});
const get = (key: string): LoadRequest => ({ method: "POST", path: "/v3/kv/range", body: JSON.stringify({ key: b64(KEY_PREFIX + key) }), headers: json });

/** Only 200 is a success: NOSPACE (429), no leader (503), timeouts are errors by status. */
const classify = (status: number) => (status === 200 ? ("allowed" as const) : undefined);

export const putGetWorkload: WorkloadDefinition = {
  name: "put-get",
  description: "alternates POST /v3/kv/put and /v3/kv/range on the same keys (under /loadgen/); --cost is the value size in 64-byte units; 200 is a success, anything else an error",
  create: ({ cost }) => {
    let sent = 0;
    return { request: (key) => ((sent += 1) % 2 === 1 ? put(key, 64 * cost) : get(key)), classify };
  },
};

export const putWorkload: WorkloadDefinition = {
  name: "put",
  description: "POST /v3/kv/put only (under /loadgen/): every request is a Raft proposal",
  create: ({ cost }) => ({ request: (key) => put(key, 64 * cost), classify }),
};

export const getWorkload: WorkloadDefinition = {
  name: "get",
  description: "POST /v3/kv/range only (linearizable reads under /loadgen/)",
  create: () => ({ request: get, classify }),
};

export const workloads: WorkloadDefinition[] = [putGetWorkload, putWorkload, getWorkload];
