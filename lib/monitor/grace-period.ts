// Grace periods and hysteresis: when a violation becomes a ticket, and when a ticket may resolve.
// Pure functions of their inputs, `now` included; the monitor loop keeps one Track per
// `invariant:resource` key and feeds it one step per cycle.

/** How long a violation must hold before it is ticketed, and stay away before it is over (ms). */
export interface GracePolicy {
  graceMs: number;
  clearMs: number;
}

/**
 * One episode of one violation key. An episode survives short gaps: a violation that blinks off
 * and back within `clearMs` is the same episode, so a blinking fault is one ticket, not ten.
 */
export interface Track {
  /** Start of the episode (ms). */
  firstSeenAt: number;
  /** Last cycle the violation held (ms). */
  lastSeenAt: number;
  /** First cycle of the current clear spell (ms); undefined while the violation holds. */
  clearSince?: number;
  /** A ticket is open for this episode. */
  ticketed: boolean;
}

/**
 * What a step means for the ticket store:
 * `pending` (holding, within grace), `open` (grace outlived: open a ticket now), `held` (ticketed,
 * still holding: update it), `clearing` (absent, not for long enough yet), `resolve` (ticketed and
 * clear for `clearMs`: resolve it), `forget` (an episode that never got a ticket is over).
 */
export type StepKind = "pending" | "open" | "held" | "clearing" | "resolve" | "forget";

export interface Step {
  kind: StepKind;
  /** The track after this step; undefined once the episode is over (`resolve`, `forget`). */
  track: Track | undefined;
}

export const hasOutlivedGrace = (track: Track, now: number, graceMs: number): boolean => now - track.firstSeenAt >= graceMs;

export const hasClearedLongEnough = (track: Track, now: number, clearMs: number): boolean =>
  track.clearSince !== undefined && now - track.clearSince >= clearMs;

/** Advances one key by one observation: `present` says whether the violation holds at `now`. */
export function stepTrack(track: Track | undefined, present: boolean, now: number, policy: GracePolicy): Step | undefined {
  if (present) {
    const next: Track = track
      ? { firstSeenAt: track.firstSeenAt, lastSeenAt: now, ticketed: track.ticketed }
      : { firstSeenAt: now, lastSeenAt: now, ticketed: false };
    if (next.ticketed) return { kind: "held", track: next };
    if (hasOutlivedGrace(next, now, policy.graceMs)) return { kind: "open", track: { ...next, ticketed: true } };
    return { kind: "pending", track: next };
  }
  if (!track) return undefined;
  const clearing: Track = { ...track, clearSince: track.clearSince ?? now };
  if (hasClearedLongEnough(clearing, now, policy.clearMs)) {
    return { kind: clearing.ticketed ? "resolve" : "forget", track: undefined };
  }
  return { kind: "clearing", track: clearing };
}

/**
 * How long a key must stay clear before its ticket resolves: as long as its grace, and never less
 * than two cycles, so one lucky cycle in the middle of a fault does not close the ticket.
 */
export function clearAfterMs(graceMs: number, intervalMs: number): number {
  return Math.max(graceMs, 2 * intervalMs);
}

/** The policy of one invariant under `--grace-scale`; `once` ignores grace both ways. */
export function gracePolicy(graceMs: number, options: { graceScale: number; intervalMs: number; once: boolean }): GracePolicy {
  if (options.once) return { graceMs: 0, clearMs: 0 };
  const scaled = Math.round(graceMs * options.graceScale);
  return { graceMs: scaled, clearMs: clearAfterMs(scaled, options.intervalMs) };
}
