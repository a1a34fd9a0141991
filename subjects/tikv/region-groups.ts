// Unhealthy regions grouped by the store to blame, so one bad store is one ticket, not a thousand.
import type { RegionCheckSummary } from "./observation.ts";
import type { PdPeer, PdRegion, PdStore } from "./pd-shapes.ts";
import { storeResource } from "./observation.ts";

const SAMPLE_SIZE = 5;
export const CLUSTER = "cluster";

/** Down peers: blame the store each down peer lives on (a region with two down peers counts on both). */
export function groupDownPeers(regions: PdRegion[]): RegionCheckSummary {
  return summarize(regions, (region) => region.downPeers.map((d) => storeResource(d.peer.storeId)));
}

/** Pending peers: blame the store each lagging peer lives on. */
export function groupPendingPeers(regions: PdRegion[]): RegionCheckSummary {
  return summarize(regions, (region) => region.pendingPeers.map((p: PdPeer) => storeResource(p.storeId)));
}

/**
 * Missing peers have no store of their own. Blame the one store that is not serving (Down,
 * Disconnected, Offline) and holds no peer of the region: with it gone the region lost a replica.
 * When there is no such store, or several, the region counts on `cluster`.
 */
export function groupMissPeers(regions: PdRegion[], stores: PdStore[] | null): RegionCheckSummary {
  const away = (stores ?? []).filter((s) => s.stateName !== "Up" && s.stateName !== "Tombstone").map((s) => s.id);
  return summarize(regions, (region) => {
    const holders = new Set(region.peers.map((p) => p.storeId));
    const suspects = away.filter((id) => !holders.has(id));
    return [suspects.length === 1 ? storeResource(suspects[0]!) : CLUSTER];
  });
}

function summarize(regions: PdRegion[], blame: (region: PdRegion) => string[]): RegionCheckSummary {
  const byResource: RegionCheckSummary["byResource"] = {};
  const samples = new Map<string, string[]>();
  for (const region of regions) {
    for (const resource of new Set(blame(region))) {
      const group = (byResource[resource] ??= { count: 0, sampleRegionIds: [] });
      group.count += 1;
      const ids = samples.get(resource) ?? [];
      ids.push(region.id);
      samples.set(resource, ids);
    }
  }
  for (const [resource, ids] of samples) {
    byResource[resource]!.sampleRegionIds = ids.sort(compareIds).slice(0, SAMPLE_SIZE);
  }
  return { total: regions.length, byResource };
}

/** Numeric order of exact decimal ids of any length. */
export const compareIds = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
