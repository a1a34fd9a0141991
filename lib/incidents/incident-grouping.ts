// Which tickets belong together: the pure decisions behind the incident store. A ticket joins the
// oldest open incident whose cause explains it; a diagnosis that explains every open ticket of
// other incidents merges them into the oldest; nothing else merges, so two faults stay two.
import type { Severity } from "../subject/subject.ts";

/** What the grouping reads of one open incident. */
export interface IncidentView {
  id: number;
  /** ms since the epoch */
  openedAt: number;
  /** `invariant:resource` keys of its open tickets. */
  openKeys: readonly string[];
  /** Keys its root cause explains (empty while it has none). */
  explains: readonly string[];
  /** Its root cause (`component fault_class`), once a diagnosis named one. */
  cause?: string;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** The highest of the tickets' severities (`info` for none). */
export function highestSeverity(severities: readonly Severity[]): Severity {
  return severities.reduce<Severity>((top, s) => (SEVERITY_RANK[s] > SEVERITY_RANK[top] ? s : top), "info");
}

const olderFirst = (a: IncidentView, b: IncidentView) => a.openedAt - b.openedAt || a.id - b.id;

/** The open incident a new ticket with `key` joins: the oldest whose cause explains it, if any. */
export function joinTarget(open: readonly IncidentView[], key: string): number | undefined {
  return open.filter((i) => i.explains.includes(key)).sort(olderFirst)[0]?.id;
}

export interface MergePlan {
  /** The incident that stays: the oldest of those the cause explains. */
  target: number;
  /** Incidents merged into it. */
  absorbed: number[];
}

/**
 * A diagnosis of `diagnosed` found `cause`, which explains `explains`. Every other open incident
 * with the same cause, or whose open tickets it all explains, merges with it, into the oldest. An
 * incident with a ticket the cause does not explain stays apart: merging must not swallow an
 * unrelated fault.
 */
export function mergePlan(open: readonly IncidentView[], diagnosed: number, explains: readonly string[], cause: string): MergePlan {
  const explained = new Set(explains);
  const together = open.filter((i) => i.id === diagnosed || i.cause === cause || (i.openKeys.length > 0 && i.openKeys.every((k) => explained.has(k))));
  const [oldest] = [...together].sort(olderFirst);
  if (!oldest) return { target: diagnosed, absorbed: [] };
  return { target: oldest.id, absorbed: together.filter((i) => i.id !== oldest.id).map((i) => i.id).sort((a, b) => a - b) };
}

/** What the subject's rules claim in one cycle: a cause, how sure, and the keys it explains. */
export interface CauseClaim {
  component: string;
  faultClass: string;
  confidence: number;
  explains: readonly string[];
}

/**
 * Each key's likeliest cause this cycle (`component fault_class`): the surest claim that explains
 * it, the broader one on a tie. Tickets that open in one cycle with the same cause open one
 * incident (a burst of over-admitted keys is one page); a key no claim explains has none.
 */
export function causeOfEach(claims: readonly CauseClaim[]): Map<string, string> {
  const best = new Map<string, CauseClaim>();
  for (const claim of claims) {
    for (const key of claim.explains) {
      const seen = best.get(key);
      if (!seen || claim.confidence > seen.confidence || (claim.confidence === seen.confidence && claim.explains.length > seen.explains.length)) best.set(key, claim);
    }
  }
  return new Map([...best].map(([key, c]) => [key, `${c.component} ${c.faultClass}`]));
}

/** A fault class named by a diagnosis, kept only if the subject's closed list has it. */
export function checkedFaultClass(named: string, closedList: readonly string[] | undefined): string {
  if (!closedList) return named;
  return closedList.includes(named) ? named : "unknown";
}

/** The snapshot fields that differ, in the journal's vocabulary (`changed`). */
export function changedFields(before: ChangeView, after: ChangeView): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const changed: string[] = [];
  const cause = (v: ChangeView) => v.rootCause && { component: v.rootCause.component, faultClass: v.rootCause.faultClass };
  if (!same(cause(before), cause(after))) changed.push("root_cause");
  if (!same(before.actions, after.actions)) changed.push("actions");
  if (!same(before.tickets, after.tickets)) changed.push("tickets");
  if (before.severity !== after.severity) changed.push("severity");
  if (!same(before.diagnosis, after.diagnosis) || before.rootCause?.summary !== after.rootCause?.summary) changed.push("diagnosis");
  return changed;
}

/** What `changedFields` compares of two snapshots of one incident. */
export interface ChangeView {
  severity: Severity;
  rootCause: { component: string; faultClass: string; summary: string } | null;
  tickets: unknown[];
  actions: unknown[];
  diagnosis: unknown;
}
