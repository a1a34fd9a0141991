// Which nodes to observe: the configured ones always, and the ones the node registry names. A
// registered node that stops answering while still registered has crashed: it stays on the roster
// after its registration expires (so its node_down ticket holds), while a node that leaves the
// registry in good order (a clean stop deregisters it) simply leaves.

/** How long a crashed, no longer registered node is still watched (ms). */
const CRASHED_RETENTION_MS = 10 * 60_000;

interface RegisteredEntry {
  id: string;
  lastRegisteredAt: number;
  downWhileRegistered: boolean;
}

export class NodeRoster {
  private readonly registered = new Map<string, RegisteredEntry>();

  /** @param configured URL → id (undefined when the node will say) */
  constructor(private readonly configured: ReadonlyMap<string, string | undefined>) {}

  isConfigured(url: string): boolean {
    return this.configured.has(url);
  }

  /** The id the configuration or the registry gives `url`, if any. */
  knownId(url: string): string | undefined {
    return this.configured.get(url) ?? this.registered.get(url)?.id;
  }

  urls(): string[] {
    return [...new Set([...this.configured.keys(), ...this.registered.keys()])];
  }

  /** Adds what a registry lists right now (before it is read this cycle). */
  discover(entries: { id: string; url: string }[], now: number): void {
    for (const e of entries) {
      if (this.configured.has(e.url)) continue;
      const seen = this.registered.get(e.url);
      this.registered.set(e.url, { id: e.id, lastRegisteredAt: now, downWhileRegistered: seen?.downWhileRegistered ?? false });
    }
  }

  /**
   * Ends a cycle: `registry` is every registration seen this cycle, or undefined when no registry
   * could be read (then nothing is forgotten); `reachable` says which URLs answered.
   */
  settle(registry: { id: string; url: string }[] | undefined, reachable: (url: string) => boolean, now: number): void {
    if (!registry) return;
    const listed = new Set(registry.map((e) => e.url));
    for (const [url, entry] of this.registered) {
      if (listed.has(url)) {
        entry.downWhileRegistered = !reachable(url);
      } else if (!entry.downWhileRegistered || now - entry.lastRegisteredAt > CRASHED_RETENTION_MS) {
        this.registered.delete(url);
      }
    }
  }
}
