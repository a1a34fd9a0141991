// The stand-in's TiKV stores as Prometheus would scrape them (one text page, `instance` labels set,
// scraped with honor_labels): a stopped store exports nothing, as a dead TiKV answers no scrape.
import type { ClusterModel } from "./cluster-model.ts";
import { advance, sampleLine, samplesOf, zeroCounters, type Counters, type StoreProfile } from "./tikv-series.ts";

const state = new WeakMap<ClusterModel, { atMs: number; counters: Map<string, Counters> }>();

export function profileOf(model: ClusterModel, storeId: string): StoreProfile {
  const store = model.store(storeId);
  return {
    instance: store.statusAddress,
    slow: store.slow,
    writeStall: store.writeStall,
    leaders: model.leadersOn(store.id),
    regions: model.peersOn(store.id),
    capacityBytes: store.capacityBytes,
    availableBytes: model.availableBytes(store),
  };
}

export function renderTikvMetrics(model: ClusterModel): string {
  model.settle();
  const now = model.now();
  const memory = state.get(model) ?? { atMs: now, counters: new Map<string, Counters>() };
  state.set(model, memory);
  const seconds = Math.max(0, (now - memory.atMs) / 1000);
  memory.atMs = now;
  const lines: string[] = [];
  for (const store of model.stores) {
    const profile = profileOf(model, store.id);
    const counters = advance(memory.counters.get(store.id) ?? zeroCounters(), profile, seconds);
    memory.counters.set(store.id, counters);
    if (!model.isServing(store)) continue;
    for (const sample of samplesOf(profile, counters)) lines.push(sampleLine(sample));
  }
  return `${lines.join("\n")}\n`;
}
