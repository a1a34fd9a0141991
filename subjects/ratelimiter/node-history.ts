// What one node's figures were over recent cycles, so each observation can report steady values:
// its check latency span by span (the p99 between two scrapes, what all but one of the recent spans
// reached), its Redis latency over its recent reports (likewise), its fallback decisions over the
// last minute, and how many checks it decided lately.
import { bucketDelta, quantileSeconds, type Buckets } from "./metrics-text.ts";
import type { NodeState } from "./observation.ts";
import { SampleWindow } from "./sample-window.ts";

/** How far back the check-latency figures reach. */
const P99_SPAN_MS = 30_000;
/** A verdict needs this many checks within that span: a node this idle is not judged (one slow check would be its p99). */
const P99_MIN_CHECKS = 100;
/**
 * A node's check latency is judged span by span (scrape to scrape), like its Redis latency reading
 * by reading: what all but one of its last 5 spans' p99 reached. A slow link or an overloaded node
 * is slow in every span; one stall of a busy machine (a GC pause, a scheduling hiccup that delays
 * every check in flight) lands in one span, or two, which a p99 over the whole 30 s would carry for
 * 30 s. A node's /metrics is scraped every 5 s (observe.ts), so the last 5 spans are its last ~25 s:
 * a slowdown shows once it has held 4 spans (~20 s), and the invariant's grace runs from there.
 * `monitor --once` (2 s) sees one span, which is no verdict.
 */
export const CHECK_SPANS = { spanMs: P99_SPAN_MS, maxSamples: 5, sameWhenEqual: false };
/** Fewer spans than this are not a verdict. */
const MIN_SPANS = 3;
/**
 * A node's Redis latency is what all but one of its last 5 distinct reports within 10 s reached (it
 * probes every 500 ms): a slow link is slow every time, a spike is not. Well within the invariant's
 * grace: a slow link shows within four reports (2 s).
 */
export const LINK_WINDOW = { spanMs: 10_000, maxSamples: 5, sameWhenEqual: true };
const FALLBACK_SPAN_MS = 60_000;

export type CheckLatency = Pick<NodeState, "checkP99Ms" | "checkSamples" | "checkSpans">;

export class NodeHistory {
  private readonly buckets = new Map<string, { at: number; buckets: Buckets }[]>();
  private readonly lastLatency = new Map<string, CheckLatency>();
  private readonly spans = new SampleWindow(CHECK_SPANS);
  private readonly link = new SampleWindow(LINK_WINDOW);
  private readonly fallbacks = new Map<string, { at: number; total: number }[]>();

  /**
   * The node's check latency now: the p99 of each span between two scrapes (a span with no check is
   * no reading), and what all but one of the last 5 reached, once the last ~30 s hold 100 checks and
   * 3 spans. `buckets` from this cycle's scrape, or undefined to reuse the last figures. The first
   * scrape is a baseline only: the node's histogram since it started is not its recent latency (a
   * node up for a day with one bad minute long ago, or a fresh one whose first checks loaded its scripts).
   */
  checkLatency(id: string, buckets: Buckets | undefined, at: number): CheckLatency {
    if (!buckets) return this.lastLatency.get(id) ?? {};
    const all = this.buckets.get(id) ?? [];
    const recent = all.filter((s) => s.at >= at - P99_SPAN_MS);
    const baseline = recent[0] ?? all.at(-1);
    const previous = all.at(-1);
    this.buckets.set(id, [...(baseline && !recent.includes(baseline) ? [baseline] : []), ...recent, { at, buckets }]);
    if (!baseline || !previous) return {};
    const span = quantileSeconds(bucketDelta(buckets, previous.buckets), 0.99);
    const window = this.spans.add(id, span === undefined ? undefined : span * 1_000, at);
    const checkSamples = Math.max(0, ...bucketDelta(buckets, baseline.buckets).values());
    const judged = window !== undefined && window.samples >= MIN_SPANS && checkSamples >= P99_MIN_CHECKS;
    const latency: CheckLatency = { checkSamples, ...(judged ? { checkP99Ms: Math.round(window.allButOne * 1_000) / 1_000, checkSpans: window.samples } : {}) };
    this.lastLatency.set(id, latency);
    return latency;
  }

  /**
   * What all but one of the node's recent Redis latency reports reached, and how many there are. `latest`: ms, or
   * null when the node is connected but its last probe got no answer within its --redis-timeout
   * (a link slower than the timeout reports no latency at all: that is a reading, the slowest one).
   */
  redisLatency(id: string, latest: number | null | undefined, at: number): Pick<NodeState, "redisLatencyMs" | "redisLatencySamples" | "redisProbesTimingOut"> {
    const window = this.link.add(id, latest === null ? Infinity : latest, at);
    if (latest === undefined || !window) return {};
    if (window.allButOne === Infinity) return { redisLatencySamples: window.samples, redisProbesTimingOut: true };
    return { redisLatencyMs: Math.round(window.allButOne * 1_000) / 1_000, redisLatencySamples: window.samples };
  }

  /** Fallback decisions over the last minute, undefined on a first look; a restarted node (total going down) counts from zero. */
  recentFallbacks(id: string, total: number, at: number): number | undefined {
    return growth(this.fallbacks, id, total, at, FALLBACK_SPAN_MS);
  }

  /** Checks the node decided (allowed and denied) over the last `spanMs`, undefined on a first look. */
  recentChecks(id: string, total: number, at: number, spanMs: number): number | undefined {
    return growth(this.decided, id, total, at, spanMs);
  }

  private readonly decided = new Map<string, { at: number; total: number }[]>();
}

/** How much a node's ever-growing counter grew since the oldest sample within `spanMs`; a restart (the total going down) counts from zero. */
function growth(samples: Map<string, { at: number; total: number }[]>, id: string, total: number, at: number, spanMs: number): number | undefined {
  const history = (samples.get(id) ?? []).filter((h) => h.at >= at - spanMs && h.total <= total);
  const oldest = history[0];
  history.push({ at, total });
  samples.set(id, history);
  return oldest ? total - oldest.total : undefined;
}
