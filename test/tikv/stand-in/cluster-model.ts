// The stand-in's cluster: stores, regions, PD members and schedulers, with just enough of PD's
// behaviour (leader election away from dead stores, evict-leader, balance-leader/region by weight,
// make-up of missing replicas, offline → tombstone) that faults and actions change what PD reports.

export const GIB = 2 ** 30;
export const MIB = 2 ** 20;

export interface ModelStore {
  id: string;
  /** Container-style name (`tikv1`): faults and scenarios name stores this way. */
  name: string;
  address: string;
  statusAddress: string;
  state: "Up" | "Offline" | "Tombstone";
  startedAtMs: number;
  /** Set while the process is stopped or paused; PD sees the heartbeat stop at that instant. */
  stoppedAtMs: number | null;
  /** How long after the stop PD calls it Down (Infinity: a pause that stays Disconnected). */
  downAfterMs: number;
  leaderWeight: number;
  regionWeight: number;
  capacityBytes: number;
  /** Bytes used by something other than regions (a disk-fill fault). */
  fillerBytes: number;
  slow: boolean;
  writeStall: boolean;
}

export interface ModelPeer {
  id: string;
  storeId: string;
}

export interface ModelRegion {
  id: string;
  peers: ModelPeer[];
  leaderStoreId: string | null;
  pendingStoreIds: Set<string>;
  confVer: number;
  version: number;
}

export interface ModelMember {
  name: string;
  memberId: bigint;
  up: boolean;
}

export interface ModelOptions {
  stores?: number;
  regions?: number;
  /** Store ids, e.g. past 2^53 to prove ids stay exact; default 1, 4, 5, 6, … like a young PD. */
  storeIds?: string[];
  /** First region id (default 2, as PD allocates). */
  firstRegionId?: bigint;
  maxReplicas?: number;
  capacityBytes?: number;
  regionSizeMiB?: number;
  /** PD's max-store-down-time for a stopped store, ms (default 0: a stopped store is Down at once). */
  maxStoreDownTimeMs?: number;
  now?: () => number;
}

export const BALANCE_LEADER = "balance-leader-scheduler";
export const BALANCE_REGION = "balance-region-scheduler";
export const EVICT_LEADER = "evict-leader-scheduler";
const LOW_SPACE_RATIO = 0.2;

export class ClusterModel {
  readonly now: () => number;
  readonly stores: ModelStore[];
  readonly regions: ModelRegion[];
  readonly members: ModelMember[];
  readonly maxReplicas: number;
  readonly regionSizeBytes: number;
  maxStoreDownTimeMs: number;
  schedulers: string[] = [BALANCE_LEADER, BALANCE_REGION, "balance-hot-region-scheduler", "evict-slow-store-scheduler"];
  /** Scheduler name → paused until (ms). */
  readonly paused = new Map<string, number>();
  readonly evictLeaderStoreIds = new Set<string>();
  /** Operators PD created, as PD prints them, with when. */
  readonly operators: { text: string; atMs: number }[] = [];
  private nextPeerId = 1_000n;

  constructor(options: ModelOptions = {}) {
    this.now = options.now ?? Date.now;
    const count = options.stores ?? 3;
    const ids = options.storeIds ?? Array.from({ length: count }, (_, i) => String(i === 0 ? 1 : i + 3));
    this.maxReplicas = options.maxReplicas ?? 3;
    this.regionSizeBytes = (options.regionSizeMiB ?? 2048) * MIB;
    this.maxStoreDownTimeMs = options.maxStoreDownTimeMs ?? 0;
    const t = this.now();
    this.stores = ids.slice(0, count).map((id, i) => ({
      id,
      name: `tikv${i + 1}`,
      address: `tikv${i + 1}:20160`,
      statusAddress: `tikv${i + 1}:20180`,
      state: "Up",
      startedAtMs: t - 3_600_000,
      stoppedAtMs: null,
      downAfterMs: 0,
      leaderWeight: 1,
      regionWeight: 1,
      capacityBytes: options.capacityBytes ?? 100 * GIB,
      fillerBytes: 0,
      slow: false,
      writeStall: false,
    }));
    const first = options.firstRegionId ?? 2n;
    this.regions = Array.from({ length: options.regions ?? 30 }, (_, i) => {
      const holders = Array.from({ length: Math.min(this.maxReplicas, count) }, (_, k) => this.stores[(i + k) % count]!.id);
      return {
        id: String(first + BigInt(i)),
        peers: holders.map((storeId) => ({ id: String(this.nextPeerId++), storeId })),
        leaderStoreId: holders[0]!,
        pendingStoreIds: new Set<string>(),
        confVer: 5,
        version: 10 + i,
      };
    });
    this.members = ["pd1", "pd2", "pd3"].map((name, i) => ({ name, memberId: 13195394291058371180n - BigInt(i) * 1_111_111_111n, up: true }));
  }

  // ---- what PD derives -------------------------------------------------------------------------

  store(ref: string): ModelStore {
    const store = this.stores.find((s) => s.id === ref || s.name === ref || s.address === ref);
    if (!store) throw new Error(`the stand-in has no store "${ref}"`);
    return store;
  }

  isServing(store: ModelStore): boolean {
    return store.stoppedAtMs === null && store.state !== "Tombstone";
  }

  /** PD's state_name: Down after max-store-down-time without heartbeat, Disconnected before that. */
  stateName(store: ModelStore): string {
    if (store.state !== "Up") return store.state;
    if (store.stoppedAtMs === null) return "Up";
    return this.now() - store.stoppedAtMs >= store.downAfterMs ? "Down" : "Disconnected";
  }

  lastHeartbeatMs(store: ModelStore): number {
    return store.stoppedAtMs ?? this.now() - 1_000;
  }

  usedBytes(store: ModelStore): number {
    return this.peersOn(store.id) * this.regionSizeBytes;
  }

  availableBytes(store: ModelStore): number {
    return Math.max(0, store.capacityBytes - store.fillerBytes - this.usedBytes(store));
  }

  peersOn(storeId: string): number {
    return this.regions.filter((r) => r.peers.some((p) => p.storeId === storeId)).length;
  }

  leadersOn(storeId: string): number {
    return this.regions.filter((r) => r.leaderStoreId === storeId).length;
  }

  /** Peers of stores PD has called Down: reported by the region leaders as down peers. */
  downPeers(region: ModelRegion): ModelPeer[] {
    return region.peers.filter((p) => this.stateName(this.store(p.storeId)) === "Down");
  }

  downSeconds(peer: ModelPeer): number {
    const stoppedAt = this.store(peer.storeId).stoppedAtMs;
    return stoppedAt === null ? 0 : Math.floor((this.now() - stoppedAt) / 1000);
  }

  pdLeader(): ModelMember | null {
    const up = this.members.filter((m) => m.up);
    return up.length * 2 > this.members.length ? up[0]! : null;
  }

  isPaused(name: string): boolean {
    return (this.paused.get(name) ?? 0) > this.now();
  }

  private schedulerRuns(name: string): boolean {
    return this.schedulers.includes(name) && !this.isPaused(name);
  }

  // ---- what PD does on its own, run before every answer ------------------------------------------

  settle(): void {
    this.electLeaders();
    if (this.schedulerRuns(BALANCE_LEADER)) this.balanceLeaders();
    this.makeUpReplicas();
    this.drainOfflineStores();
    if (this.schedulerRuns(BALANCE_REGION)) this.balanceRegions();
    this.electLeaders();
  }

  private canLead(storeId: string): boolean {
    const store = this.store(storeId);
    return this.isServing(store) && store.state === "Up" && !this.evictLeaderStoreIds.has(storeId) && store.leaderWeight > 0;
  }

  /** Raft elects a new leader among live peers when the leader's store dies or is evicted. */
  private electLeaders(): void {
    for (const region of this.regions) {
      if (region.leaderStoreId && region.peers.some((p) => p.storeId === region.leaderStoreId) && this.canLead(region.leaderStoreId)) continue;
      const candidates = region.peers.filter((p) => this.canLead(p.storeId)).sort((a, b) => this.leadersOn(a.storeId) - this.leadersOn(b.storeId));
      const alive = region.peers.filter((p) => this.isServing(this.store(p.storeId)));
      region.leaderStoreId = candidates[0]?.storeId ?? (region.leaderStoreId && this.isServing(this.store(region.leaderStoreId)) ? region.leaderStoreId : alive[0]?.storeId ?? null);
    }
  }

  private balanceLeaders(): void {
    const score = (id: string) => this.leadersOn(id) / this.store(id).leaderWeight;
    for (let step = 0; step < this.regions.length * 2; step++) {
      const eligible = this.stores.filter((s) => this.canLead(s.id)).map((s) => s.id).sort((a, b) => score(a) - score(b));
      if (eligible.length < 2) return;
      const low = eligible[0]!;
      const high = eligible.at(-1)!;
      const region = this.regions.find((r) => r.leaderStoreId === high && r.peers.some((p) => p.storeId === low));
      if (!region) return;
      const [wHigh, wLow] = [this.store(high).leaderWeight, this.store(low).leaderWeight];
      // Like PD's tolerance: leave a gap of one or two leaders alone, so an admin transfer sticks.
      if ((this.leadersOn(high) - 1) / wHigh - (this.leadersOn(low) + 1) / wLow < 1) return;
      region.leaderStoreId = low;
    }
  }

  private hasRoom(store: ModelStore): boolean {
    return this.availableBytes(store) - this.regionSizeBytes >= LOW_SPACE_RATIO * store.capacityBytes;
  }

  private targetFor(region: ModelRegion): ModelStore | undefined {
    return this.stores
      .filter((s) => s.state === "Up" && this.isServing(s) && !region.peers.some((p) => p.storeId === s.id) && this.hasRoom(s))
      .sort((a, b) => this.peersOn(a.id) / a.regionWeight - this.peersOn(b.id) / b.regionWeight)[0];
  }

  private addPeer(region: ModelRegion, storeId: string): void {
    region.peers.push({ id: String(this.nextPeerId++), storeId });
    region.confVer += 1;
  }

  removePeer(region: ModelRegion, storeId: string): void {
    region.peers = region.peers.filter((p) => p.storeId !== storeId);
    region.pendingStoreIds.delete(storeId);
    if (region.leaderStoreId === storeId) region.leaderStoreId = null;
    region.confVer += 1;
  }

  /** PD's replica checker: a region short of max-replicas gets a peer on a serving store with room. */
  private makeUpReplicas(): void {
    for (const region of this.regions) {
      while (region.peers.length < this.maxReplicas) {
        const target = this.targetFor(region);
        if (!target) break;
        this.addPeer(region, target.id);
      }
    }
  }

  /** An Offline store's replicas move elsewhere; with none left it becomes Tombstone. */
  private drainOfflineStores(): void {
    for (const store of this.stores.filter((s) => s.state === "Offline")) {
      for (const region of this.regions.filter((r) => r.peers.some((p) => p.storeId === store.id))) {
        const target = this.targetFor(region);
        if (!target) continue;
        this.addPeer(region, target.id);
        this.removePeer(region, store.id);
      }
      if (this.peersOn(store.id) === 0) store.state = "Tombstone";
    }
  }

  private balanceRegions(): void {
    const serving = () => this.stores.filter((s) => s.state === "Up" && this.isServing(s) && s.regionWeight > 0);
    const score = (s: ModelStore) => this.peersOn(s.id) / s.regionWeight;
    for (let step = 0; step < this.regions.length * this.maxReplicas; step++) {
      const sorted = serving().sort((a, b) => score(b) - score(a));
      const high = sorted[0];
      if (!high) return;
      const move = sorted
        .slice(1)
        .reverse()
        .filter((low) => this.hasRoom(low) && (this.peersOn(high.id) - 1) / high.regionWeight >= (this.peersOn(low.id) + 1) / low.regionWeight)
        .map((low) => ({ low, region: this.regions.find((r) => r.peers.some((p) => p.storeId === high.id) && !r.peers.some((p) => p.storeId === low.id)) }))
        .find((m) => m.region);
      if (!move?.region) return;
      this.addPeer(move.region, move.low.id);
      this.removePeer(move.region, high.id);
    }
  }

  recordOperator(text: string): void {
    this.operators.push({ text, atMs: this.now() });
  }
}
