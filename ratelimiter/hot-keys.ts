// The node's heaviest keys over the last window, in bounded memory whatever the number of keys:
// a space-saving sketch (fixed capacity; a new key takes the place of the least counted one and
// inherits its count, so a heavy key is never missed). Kept as a "stream summary": entries in a
// list sorted by count, with the end of each run of equal counts indexed, so a check costs O(1).
// Two sketches rotate: the report covers the previous window and the current one.

export interface HotKey {
  key: string;
  /** Checks counted for the key; a key that replaced another may be overcounted by what it inherited. */
  checks: number;
  allowed: number;
  denied: number;
}

interface Entry extends HotKey {
  prev: Entry | null;
  next: Entry | null;
}

class SpaceSaving {
  private readonly byKey = new Map<string, Entry>();
  /** Least counted first. */
  private head: Entry | null = null;
  private tail: Entry | null = null;
  /** count -> the entry nearest the tail with that count */
  private readonly lastOfCount = new Map<number, Entry>();

  constructor(private readonly capacity: number) {}

  record(key: string, isAllowed: boolean): void {
    let entry = this.byKey.get(key);
    if (entry === undefined) {
      if (this.byKey.size < this.capacity) {
        entry = { key, checks: 0, allowed: 0, denied: 0, prev: null, next: this.head };
        if (this.head) this.head.prev = entry;
        else this.tail = entry;
        this.head = entry;
        this.lastOfCount.set(0, entry);
      } else {
        entry = this.head!; // the least counted key gives its place (and its count) to the newcomer
        this.byKey.delete(entry.key);
        entry.key = key;
        entry.allowed = 0;
        entry.denied = 0;
      }
      this.byKey.set(key, entry);
    }
    this.increment(entry);
    if (isAllowed) entry.allowed += 1;
    else entry.denied += 1;
  }

  entries(): HotKey[] {
    const list: HotKey[] = [];
    for (let e = this.tail; e !== null; e = e.prev) list.push({ key: e.key, checks: e.checks, allowed: e.allowed, denied: e.denied });
    return list;
  }

  /** Moves `entry` to the end of its run, then counts it: the list stays sorted. */
  private increment(entry: Entry): void {
    const count = entry.checks;
    const last = this.lastOfCount.get(count)!;
    if (last !== entry) {
      this.unlink(entry);
      entry.prev = last;
      entry.next = last.next;
      if (last.next) last.next.prev = entry;
      else this.tail = entry;
      last.next = entry;
    }
    if (entry.prev !== null && entry.prev.checks === count) this.lastOfCount.set(count, entry.prev);
    else this.lastOfCount.delete(count);
    entry.checks = count + 1;
    if (!this.lastOfCount.has(count + 1)) this.lastOfCount.set(count + 1, entry);
  }

  private unlink(entry: Entry): void {
    if (entry.prev) entry.prev.next = entry.next;
    else this.head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.tail = entry.prev;
  }
}

export class HotKeys {
  private current: SpaceSaving;
  private previous: SpaceSaving;
  private rotateAt: number;

  constructor(
    private readonly capacity: number,
    private readonly windowMs: number,
    now: number,
  ) {
    this.current = new SpaceSaving(capacity);
    this.previous = new SpaceSaving(capacity);
    this.rotateAt = now + windowMs;
  }

  record(key: string, isAllowed: boolean, now: number): void {
    if (now >= this.rotateAt) this.rotate(now);
    this.current.record(key, isAllowed);
  }

  /** The `count` heaviest keys of the previous and current windows, heaviest first. */
  top(count: number, now: number): HotKey[] {
    if (now >= this.rotateAt) this.rotate(now);
    const merged = new Map<string, HotKey>();
    for (const entry of [...this.previous.entries(), ...this.current.entries()]) {
      const seen = merged.get(entry.key);
      if (!seen) merged.set(entry.key, entry);
      else {
        seen.checks += entry.checks;
        seen.allowed += entry.allowed;
        seen.denied += entry.denied;
      }
    }
    return [...merged.values()].sort((a, b) => b.checks - a.checks || (a.key < b.key ? -1 : 1)).slice(0, count);
  }

  private rotate(now: number): void {
    // A gap longer than a window leaves nothing worth reporting from before it.
    this.previous = now >= this.rotateAt + this.windowMs ? new SpaceSaving(this.capacity) : this.current;
    this.current = new SpaceSaving(this.capacity);
    this.rotateAt = now + this.windowMs;
  }
}
