// A latency over several readings: what every one of the newest few but one reached, within the
// span; one probe read twice counted once; timeouts as the slowest readings.
import { describe, expect, test } from "bun:test";
import { SampleWindow } from "./sample-window.ts";

const window = (sameWhenEqual = false) => new SampleWindow({ spanMs: 10_000, maxSamples: 5, sameWhenEqual });
const feed = (w: SampleWindow, values: number[]) => values.map((v, i) => w.add("a", v, i * 500)).at(-1);

describe("sample window", () => {
  test("spikes in two readings of five (a fresh node on a loaded machine, as measured) are not the verdict", () => {
    expect(feed(window(), [3.261, 1.22, 8.683, 26.356, 15.047])).toEqual({ allButOne: 3.261, samples: 5 });
    expect(feed(window(), [15.1, 0.4, 12.0, 0.5, 0.6])).toEqual({ allButOne: 0.5, samples: 5 });
  });

  test("a slow path on every reading, or on all but one, is", () => {
    expect(feed(window(), [0.4, 0.5, 160, 161, 160])).toEqual({ allButOne: 0.5, samples: 5 });
    expect(feed(window(), [0.4, 160, 161, 160, 162])).toEqual({ allButOne: 160, samples: 5 });
    expect(feed(window(), [0.4, 21, 22])).toEqual({ allButOne: 21, samples: 3 });
  });

  test("readings older than the span leave; a node that reports nothing keeps its recent readings", () => {
    const w = window();
    w.add("a", 50, 0);
    w.add("a", 50, 1_000);
    expect(w.add("a", undefined, 5_000)).toEqual({ allButOne: 50, samples: 2 });
    expect(w.add("a", 1, 11_500)).toEqual({ allButOne: 1, samples: 1 });
    expect(w.add("b", undefined, 11_500)).toBeUndefined();
  });

  test("a node's last probe read twice (observing faster than it probes) is one reading", () => {
    const w = window(true);
    w.add("a", 12.5, 0);
    w.add("a", 12.5, 250);
    expect(w.add("a", 0.7, 500)).toEqual({ allButOne: 12.5, samples: 2 });
  });

  test("timeouts have no value to compare: each counts, and a window of timeouts but one is a timeout", () => {
    const w = window(true);
    w.add("a", 0.5, 0);
    w.add("a", Infinity, 250);
    expect(w.add("a", Infinity, 500)).toEqual({ allButOne: Infinity, samples: 3 });
  });
});
