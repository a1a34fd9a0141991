// The node's heaviest keys over the last window, in bounded memory whatever the number of keys:
// a space-saving sketch (fixed capacity; a new key takes the place of the least counted one and
// inherits its count, so a heavy key is never missed), kept as a min-heap so each check is
// O(log capacity). Two sketches rotate: the report covers the previous window and the current one.

export interface HotKey {
  key: string;
  /** Checks counted for the key; may overcount by up to `error` (what it inherited). */
  checks: number;
  allowed: number;
  denied: number;
}

function swapIn(column: number[], a: number, b: number): void {
  const value = column[a]!;
  column[a] = column[b]!;
  column[b] = value;
}

class SpaceSaving {
  private keys: string[] = [];
  private checks: number[] = [];
  private allowed: number[] = [];
  private denied: number[] = [];
  private readonly slot = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  record(key: string, isAllowed: boolean): void {
    let i = this.slot.get(key);
    if (i === undefined) {
      if (this.keys.length < this.capacity) {
        i = this.keys.length;
        this.keys.push(key);
        this.checks.push(0);
        this.allowed.push(0);
        this.denied.push(0);
      } else {
        i = 0; // the root holds the least counted key; the newcomer inherits its count
        this.slot.delete(this.keys[0]!);
        this.keys[0] = key;
        this.allowed[0] = 0;
        this.denied[0] = 0;
      }
      this.slot.set(key, i);
    }
    this.checks[i]! += 1;
    if (isAllowed) this.allowed[i]! += 1;
    else this.denied[i]! += 1;
    this.siftDown(i);
  }

  entries(): HotKey[] {
    return this.keys.map((key, i) => ({ key, checks: this.checks[i]!, allowed: this.allowed[i]!, denied: this.denied[i]! }));
  }

  private siftDown(i: number): void {
    const n = this.keys.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      const child = right < n && this.checks[right]! < this.checks[left]! ? right : left;
      if (this.checks[child]! >= this.checks[i]!) return;
      this.swap(i, child);
      i = child;
    }
  }

  private swap(a: number, b: number): void {
    swapIn(this.checks, a, b);
    swapIn(this.allowed, a, b);
    swapIn(this.denied, a, b);
    const keyA = this.keys[a]!;
    const keyB = this.keys[b]!;
    this.keys[a] = keyB;
    this.keys[b] = keyA;
    this.slot.set(keyB, a);
    this.slot.set(keyA, b);
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
