// The PromQL this subject asks Prometheus, taken from TiKV's own dashboards and alert rules
// (tikv_summary.json, tikv.rules.yml), grouped by `instance` so each answer names one store.

export interface StoreQuery {
  /** Key in the observation's `metrics`. */
  key: "grpcP99Seconds" | "raftstoreCpuSeconds" | "channelFullPerSecond" | "writeStallMicros";
  promql: string;
}

export const STORE_QUERIES: readonly StoreQuery[] = [
  {
    // Dashboard "99% gRPC message duration" groups by (le, type); by (le, instance) names the store.
    key: "grpcP99Seconds",
    promql: 'histogram_quantile(0.99, sum(rate(tikv_grpc_msg_duration_seconds_bucket{type!="kv_gc"}[1m])) by (le, instance))',
  },
  {
    // Dashboard "Raft store CPU"; one raftstore thread pool per store.
    key: "raftstoreCpuSeconds",
    promql: 'sum(rate(tikv_thread_cpu_seconds_total{name=~"(raftstore|rs)_.*"}[1m])) by (instance)',
  },
  {
    // Dashboard "Server is busy": raftstore's channels refusing messages.
    key: "channelFullPerSecond",
    promql: "sum(rate(tikv_channel_full_total[1m])) by (instance)",
  },
  {
    // Dashboard "Server is busy": RocksDB write stall p99, in microseconds.
    key: "writeStallMicros",
    promql: 'avg(tikv_engine_write_stall{type="write_stall_percentile99"}) by (instance)',
  },
];

/** p99 of TiKV's gRPC message duration above this is `high_grpc_latency` (TiKV_GRPC_duration alert: 1 s). */
export const GRPC_P99_LIMIT_SECONDS = 1;
/** Raftstore CPU above this is `raftstore_busy`: 80% of the default raftstore pool of 2 threads. */
export const RAFTSTORE_CPU_LIMIT_SECONDS = 1.6;
