// TiKV's own metric series (names and labels from TiKV's dashboards) for one store, from a small
// profile: a healthy store, a slow one (gRPC p99 over 1 s, raftstore saturated) or one stalling writes.
// Counters are accumulated by the caller, so a profile may change without a counter going down.

export interface StoreProfile {
  /** TiKV's status address, which Prometheus uses as `instance` (`tikv1:20180`). */
  instance: string;
  slow: boolean;
  writeStall: boolean;
  leaders: number;
  regions: number;
  capacityBytes: number;
  availableBytes: number;
}

export interface Counters {
  /** Cumulative gRPC message counts per `le` bucket. */
  grpcBuckets: number[];
  grpcSum: number;
  raftstoreCpuSeconds: [number, number];
  channelFull: number;
}

export interface SeriesSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export const GRPC_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5];
const GRPC_RATE = 200;

export const zeroCounters = (): Counters => ({ grpcBuckets: GRPC_BUCKETS.map(() => 0).concat(0), grpcSum: 0, raftstoreCpuSeconds: [0, 0], channelFull: 0 });

/** Counters after `seconds` more of `profile`. */
export function advance(counters: Counters, profile: StoreProfile, seconds: number): Counters {
  // Healthy: every message within 2 ms. Slow: 5% within 2 ms, the rest between 1 s and 2 s.
  const latency = profile.slow ? 1.5 : 0.0015;
  const fastShare = profile.slow ? 0.05 : 1;
  // Clients talk to leaders: a store without leaders gets (almost) no gRPC traffic.
  const messages = profile.leaders > 0 ? GRPC_RATE * seconds : 0;
  const grpcBuckets = counters.grpcBuckets.map((count, i) => {
    const le = GRPC_BUCKETS[i] ?? Number.POSITIVE_INFINITY;
    const share = le >= 2 ? 1 : le >= 0.002 ? fastShare : 0;
    return count + messages * share;
  });
  const perThread = profile.leaders === 0 ? 0.05 : profile.slow ? 0.95 : 0.1;
  return {
    grpcBuckets,
    grpcSum: counters.grpcSum + messages * (fastShare * 0.0015 + (1 - fastShare) * latency),
    raftstoreCpuSeconds: [counters.raftstoreCpuSeconds[0] + perThread * seconds, counters.raftstoreCpuSeconds[1] + perThread * seconds],
    channelFull: counters.channelFull + (profile.slow && profile.leaders > 0 ? 3 * seconds : 0),
  };
}

export function samplesOf(profile: StoreProfile, counters: Counters): SeriesSample[] {
  const base = { instance: profile.instance, job: "tikv" };
  const grpc = { ...base, type: "kv_get" };
  return [
    ...counters.grpcBuckets.map((value, i) => ({
      name: "tikv_grpc_msg_duration_seconds_bucket",
      labels: { ...grpc, le: i < GRPC_BUCKETS.length ? String(GRPC_BUCKETS[i]) : "+Inf" },
      value,
    })),
    { name: "tikv_grpc_msg_duration_seconds_sum", labels: grpc, value: counters.grpcSum },
    { name: "tikv_grpc_msg_duration_seconds_count", labels: grpc, value: counters.grpcBuckets.at(-1)! },
    { name: "tikv_thread_cpu_seconds_total", labels: { ...base, name: "raftstore_0" }, value: counters.raftstoreCpuSeconds[0] },
    { name: "tikv_thread_cpu_seconds_total", labels: { ...base, name: "raftstore_1" }, value: counters.raftstoreCpuSeconds[1] },
    { name: "tikv_thread_cpu_seconds_total", labels: { ...base, name: "apply_0" }, value: counters.raftstoreCpuSeconds[0] / 2 },
    { name: "tikv_channel_full_total", labels: { ...base, type: "raftstore" }, value: counters.channelFull },
    { name: "tikv_engine_write_stall", labels: { ...base, db: "kv", type: "write_stall_percentile99" }, value: profile.writeStall ? 12_000 : 0 },
    { name: "tikv_engine_write_stall", labels: { ...base, db: "kv", type: "write_stall_max" }, value: profile.writeStall ? 30_000 : 0 },
    { name: "tikv_store_size_bytes", labels: { ...base, type: "capacity" }, value: profile.capacityBytes },
    { name: "tikv_store_size_bytes", labels: { ...base, type: "available" }, value: profile.availableBytes },
    { name: "tikv_raftstore_region_count", labels: { ...base, type: "leader" }, value: profile.leaders },
    { name: "tikv_raftstore_region_count", labels: { ...base, type: "region" }, value: profile.regions },
  ];
}

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** One exposition line; `timestampSeconds` only for OpenMetrics files fed to promtool. */
export function sampleLine(sample: SeriesSample, timestampSeconds?: number): string {
  const labels = Object.entries(sample.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",");
  return `${sample.name}{${labels}} ${sample.value}${timestampSeconds === undefined ? "" : ` ${timestampSeconds}`}`;
}
