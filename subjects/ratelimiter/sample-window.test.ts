// A latency over several readings: the median of the newest few within the span, one probe read twice counted once.
import { describe, expect, test } from "bun:test";
import { SampleWindow } from "./sample-window.ts";

describe("sample window", () => {
  test("one slow reading among fast ones does not move the median; a slow path on every reading does", () => {
    const w = new SampleWindow({ spanMs: 10_000, maxSamples: 5, sameWhenEqual: false });
    expect(w.add("a", 15, 0)).toEqual({ median: 15, samples: 1 });
    w.add("a", 0.4, 500);
    expect(w.add("a", 0.5, 1_000)).toEqual({ median: 0.5, samples: 3 });
    for (const at of [1_500, 2_000, 2_500]) w.add("a", 160, at);
    expect(w.add("a", 161, 3_000)).toEqual({ median: 160, samples: 5 });
  });

  test("readings older than the span leave; a node that reports nothing keeps its recent readings", () => {
    const w = new SampleWindow({ spanMs: 10_000, maxSamples: 5, sameWhenEqual: false });
    w.add("a", 50, 0);
    w.add("a", 50, 1_000);
    expect(w.add("a", undefined, 5_000)).toEqual({ median: 50, samples: 2 });
    expect(w.add("a", 1, 11_500)).toEqual({ median: 1, samples: 1 });
    expect(w.add("b", undefined, 10_500)).toBeUndefined();
  });

  test("a node's last probe read twice (observing faster than it probes) is one reading", () => {
    const w = new SampleWindow({ spanMs: 10_000, maxSamples: 5, sameWhenEqual: true });
    w.add("a", 12.5, 0);
    w.add("a", 12.5, 250);
    expect(w.add("a", 0.7, 500)).toEqual({ median: (12.5 + 0.7) / 2, samples: 2 });
  });

  test("timeouts have no value to compare: each counts, and a window of mostly timeouts has an infinite median", () => {
    const w = new SampleWindow({ spanMs: 10_000, maxSamples: 5, sameWhenEqual: true });
    w.add("a", 0.5, 0);
    w.add("a", Infinity, 250);
    expect(w.add("a", Infinity, 500)).toEqual({ median: Infinity, samples: 3 });
  });
});
