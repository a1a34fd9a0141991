// Which keys are hot: hot relative to the other keys, not by their share of all traffic. Sorted
// by rate, hot keys stand above a cliff: a gap of `gap`× between one key and the next, with every
// key above it at `minRatePerS` or more. One tenant hammering a key among 10,000 quiet ones takes a
// small share of all checks, yet stands 100× above the next key; zipf-shaped popularity never has
// such a cliff (its largest step, first to second, is 2^s ≈ 2× for s = 1.1), nor has uniform load.
import { THRESHOLDS as T } from "./thresholds.ts";

export interface KeyChecks {
  key: string;
  checks: number;
}

export interface HotKeys {
  /** The keys above the cliff, heaviest first. */
  hot: KeyChecks[];
  /** The key right below the cliff, or null when only unlisted traffic is (its checks bound the next key's from above). */
  next: { key: string | null; checks: number };
  /** Checks of the least hot key over those of the next; null when the next had none. */
  gap: number | null;
}

/**
 * The hot keys among `top` (checks per key over `spanMs`, heaviest first), or undefined when none
 * is. `unlistedChecks`: checks over the span of keys not in `top` (at most that many for any one of
 * them). With no key below the candidates and no other traffic, there is nothing to be hot against.
 */
export function hotKeysAmong(top: KeyChecks[], unlistedChecks: number, spanMs: number): HotKeys | undefined {
  if (spanMs <= 0) return undefined;
  const sorted = [...top].sort((a, b) => b.checks - a.checks);
  const minChecks = Math.max(T.hotKeyMinChecks, (T.hotKeyMinRatePerS * spanMs) / 1_000);
  let found: HotKeys | undefined;
  for (let count = 1; count <= Math.min(T.hotKeyMaxKeys, sorted.length); count++) {
    const least = sorted[count - 1]!;
    if (least.checks < minChecks) break;
    const below = sorted[count];
    const next = below ? { key: below.key, checks: below.checks } : unlistedChecks > 0 ? { key: null, checks: unlistedChecks } : undefined;
    if (!next) break;
    // The largest cliff wins: every key above a 10× step is hot (1000, 100, 1 → two hot keys).
    if (least.checks >= T.hotKeyGap * next.checks) found = { hot: sorted.slice(0, count), next, gap: next.checks > 0 ? least.checks / next.checks : null };
  }
  return found;
}
