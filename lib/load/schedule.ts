// What a load run asks for: a base rate, an optional linear ramp and periodic bursts, as typed on
// the command line (`--rate 500 --ramp 10s --burst 10x:1s/5s`) and as numbers from then on.
import * as v from "valibot";
import { parseDurationMs } from "../cli/duration.ts";
import type { TextSchema } from "../cli/config.ts";

export interface Burst {
  /** The rate is multiplied by this while a burst lasts (> 1). */
  factor: number;
  lengthMs: number;
  /** A burst ends every `everyMs`: the first one covers [everyMs - lengthMs, everyMs). */
  everyMs: number;
}

export interface Schedule {
  /** Requests per second once any ramp is over, outside bursts. */
  ratePerSec: number;
  durationMs: number;
  /** The rate climbs linearly from 0 to `ratePerSec` over this long (0: no ramp). */
  rampMs: number;
  burst?: Burst;
}

const BURST = /^(\d+(?:\.\d+)?)x:([^/]+)\/(.+)$/;

/** `10x:1s/5s` = ten times the rate for 1 s in every 5 s; undefined when the text is not that. */
export function parseBurst(text: string): Burst | undefined {
  const match = BURST.exec(text.trim());
  if (!match) return undefined;
  const factor = Number(match[1]);
  const lengthMs = parseDurationMs(match[2]!);
  const everyMs = parseDurationMs(match[3]!);
  if (!(factor > 1) || !lengthMs || !everyMs || lengthMs >= everyMs) return undefined;
  return { factor, lengthMs, everyMs };
}

export const BurstText: TextSchema<Burst | undefined> = v.pipe(
  v.string(),
  v.transform((s) => (s.trim() === "" ? null : parseBurst(s) ?? false)),
  v.check((b) => b !== false, "is not a burst: use FACTORx:LENGTH/EVERY, e.g. 10x:1s/5s (10x the rate for 1s every 5s)"),
  v.transform((b) => (b === null || b === false ? undefined : b)),
);

/** A rate error, in words, or undefined when the schedule can run. */
export function checkSchedule(schedule: Schedule): string | undefined {
  if (!(schedule.ratePerSec > 0)) return "the rate must be above 0";
  if (!(schedule.durationMs > 0)) return "the duration must be above 0";
  if (schedule.rampMs < 0) return "the ramp must not be negative";
  return undefined;
}
