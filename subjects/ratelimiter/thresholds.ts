// The figures the invariants judge by, in one table: change a threshold here, and only here.
import type { Algorithm } from "./wire.ts";

export const THRESHOLDS = {
  /** p99 check latency above this is slow (ms). */
  checkP99Ms: 10,
  /** Redis round trip above this is slow, from the operator or from one node (ms). */
  redisLatencyMs: 10,
  /** used_memory / maxmemory at or above this is near full. */
  memoryRatio: 0.9,
  /** A hot key takes at least this share of the reported checks… */
  hotKeyShare: 0.5,
  /** …and at least this many times the next key's checks… */
  hotKeyDominance: 5,
  /** …out of at least this many reported checks (a quiet system has no hot key). */
  hotKeyMinChecks: 50,
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
