// The figures the invariants judge by, in one table: change a threshold here, and only here.
import type { Algorithm } from "./wire.ts";

export const THRESHOLDS = {
  /**
   * A check is one Redis round trip (well under 1 ms on a LAN or loopback) plus the node's own work;
   * the node gives up on Redis at --redis-timeout (50 ms by default) and decides by its fail policy.
   * A p99 above 10 ms is 1 check in 100 waiting ten times a healthy check's worst case, and still a
   * fifth of the timeout: slow enough that clients feel it, early enough to act before fallbacks (ms).
   */
  checkP99Ms: 10,
  /**
   * The same budget for one round trip, judged on what all but one of several readings reached: a
   * slow link or a slow Redis is slow on every call, so every reading crosses it; spikes (a
   * scheduling hiccup, a first connection) hit some readings, not all but one (ms).
   */
  redisLatencyMs: 10,
  /** Fewer readings than this are not a verdict (the first look sees one). */
  latencyMinSamples: 3,
  /** used_memory / maxmemory at or above this is near full: Redis evicts or refuses writes at 100%, 10% leaves time to act. */
  memoryRatio: 0.9,
  /**
   * A hot key stands this many times above the next key by rate. Popularity has shape, not cliffs:
   * zipf with s = 1.1 steps by at most 2^1.1 ≈ 2.1× between neighbours (first to second), uniform load
   * by noise; 10× is one client sending far more than anyone else. A ratio, so it holds at any
   * traffic level and any number of keys.
   */
  hotKeyGap: 10,
  /**
   * …and at least this many checks per second each. Below it a key is within what one ordinary
   * client sends (a page, a poller, retries with backoff check a key a few times a second), and over
   * the ~20 s traffic span 200 checks are enough that a 10× step is not Poisson noise among quiet
   * keys (among 10,000 keys at 450 checks/s, the busiest quiet one gets about 7 in that span).
   */
  hotKeyMinRatePerS: 10,
  /**
   * …and at least this many checks each over the span, whatever its length: on a short span (the
   * first seconds of a monitor, `--once`'s 2 s burst) a key's count is small, and a step between
   * small counts (4 against 0) is noise, not a cliff.
   */
  hotKeyMinChecks: 20,
  /**
   * At most this many keys above one cliff are hot keys (each its own ticket). More keys equally far
   * above the rest are a class of traffic (one tenant's many keys, a batch job), not one key being
   * hammered; and the key below them must still be in the nodes' top-20 reports to measure the step.
   */
  hotKeyMaxKeys: 5,
  /**
   * Admitted in one window, as a multiple of the limit, before it is over-admission. Fixed window
   * and sliding log promise the limit over any window, so a 2× burst across a fixed-window edge
   * breaks it; GCRA (burst then rate) and the weighted sliding window may reach twice the limit
   * in a window by design.
   */
  admissionFactor: { "fixed-window": 1, "sliding-log": 1, "sliding-window": 2, gcra: 2 } satisfies Record<Algorithm, number>,
  /** Nodes reading one key from one Redis may differ by the checks between their reads. */
  driftTolerance: (limit: number) => Math.max(2, Math.ceil(limit * 0.1)),
  /** The traffic ledger speaks for a key's window once its increments cover this share of it (they end up to a cycle short). */
  windowCoverage: 0.8,
  /**
   * A stuck counter refuses (nearly) every check of its key; a key whose traffic honestly brushes
   * its limit is mostly admitted. Below this share of recent checks denied, it is not over-throttling
   * (the per-window counts from the nodes' sketches are lower bounds, so they alone cannot say).
   */
  stuckDeniedShare: 0.9,
  /**
   * …and over the nodes' whole hot-keys reports (more checks, so less noise than the last cycles)
   * at least this share is refused: under uniform load a key that brushes its limit is denied a few
   * checks in a window, a stuck one nearly all of them.
   */
  stuckReportedDeniedShare: 0.5,
  /** A counter TTL may exceed its bound by this much (clock reads around PTTL), ms. */
  ttlSlackMs: 1_000,
} as const;
