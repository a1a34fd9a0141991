// The built-in diagnostician: runs the subject's rules over every open violation, the observation
// and recent history, then weighs their hypotheses. Subject-agnostic: rules bring the knowledge,
// this file only compares hypotheses by what they explain and how sure they are.
import { checkCall } from "../actions/action-call.ts";
import { log } from "../cli/log.ts";
import { violationKey, type Hypothesis, type RecommendedAction, type Violation } from "../subject/subject.ts";
import type { Alternative, Diagnosis, DiagnosisEngine, DiagnosisRequest } from "./diagnosis.ts";

/** A hypothesis with what the weighing found: recall over open violations, precision of its claims. */
export interface WeighedHypothesis extends Hypothesis {
  rules: string[];
  /** Open violations it explains. */
  explained: string[];
  /** Share of all open violations it explains, 0..1. */
  coverage: number;
  /**
   * Share of the violations it claims to explain that are actually open, 0..1. A cause that
   * predicts violations nobody sees (a dead shared store when only one node complains) is less likely.
   */
  precision: number;
  explainsTicket: boolean;
  score: number;
}

const round = (n: number) => Math.round(n * 100) / 100;
const clamp01 = (n: number) => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0);

/** Rules may propose the same cause; one cause is one hypothesis, its confidence the noisy-or. */
function merge(found: { rule: string; hypothesis: Hypothesis }[]): (Hypothesis & { rules: string[] })[] {
  const byCause = new Map<string, Hypothesis & { rules: string[] }>();
  for (const { rule, hypothesis: h } of found) {
    const id = `${h.component}\u0000${h.faultClass}`;
    const seen = byCause.get(id);
    if (!seen) {
      byCause.set(id, { ...h, confidence: clamp01(h.confidence), evidence: [...h.evidence], explains: [...new Set(h.explains)], actions: [...h.actions], rules: [rule] });
      continue;
    }
    seen.confidence = 1 - (1 - seen.confidence) * (1 - clamp01(h.confidence));
    seen.evidence = [...new Set([...seen.evidence, ...h.evidence])];
    seen.explains = [...new Set([...seen.explains, ...h.explains])];
    const known = new Set(seen.actions.map((a) => `${a.name}${JSON.stringify(a.params)}`));
    seen.actions.push(...h.actions.filter((a) => !known.has(`${a.name}${JSON.stringify(a.params)}`)));
    seen.rules.push(rule);
  }
  return [...byCause.values()];
}

/** Ranks hypotheses: first those that explain the ticket's violation, then by score. */
export function weigh(hypotheses: (Hypothesis & { rules: string[] })[], openKeys: ReadonlySet<string>, ticketKey: string): WeighedHypothesis[] {
  return hypotheses
    .map((h) => {
      const explained = h.explains.filter((k) => openKeys.has(k));
      const coverage = openKeys.size ? explained.length / openKeys.size : 0;
      const precision = h.explains.length ? explained.length / h.explains.length : 0;
      const score = h.confidence * (0.5 + 0.3 * coverage + 0.2 * precision);
      return { ...h, explained, coverage, precision, explainsTicket: h.explains.includes(ticketKey), score };
    })
    .sort((a, b) => Number(b.explainsTicket) - Number(a.explainsTicket) || b.score - a.score || b.explained.length - a.explained.length);
}

function whyRuledOut(alt: WeighedHypothesis, winner: WeighedHypothesis, ticketKey: string, openCount: number): string {
  if (winner.explainsTicket && !alt.explainsTicket) return `does not explain ${ticketKey}`;
  const reasons: string[] = [];
  if (alt.explained.length < winner.explained.length) {
    reasons.push(`explains ${alt.explained.length} of ${openCount} open violations, ${winner.component} explains ${winner.explained.length}`);
  }
  if (alt.precision < winner.precision) {
    const missing = alt.explains.filter((k) => !alt.explained.includes(k));
    reasons.push(`predicts violations that are not observed (${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ", …" : ""})`);
  }
  if (alt.confidence < winner.confidence) reasons.push(`weaker evidence (confidence ${round(alt.confidence)} < ${round(winner.confidence)})`);
  return reasons.length ? reasons.join("; ") : `ranked lower (score ${round(alt.score)} < ${round(winner.score)})`;
}

/** Keeps the recommendations the subject can run: defined actions whose params pass their schemas. */
function runnable(actions: RecommendedAction[], request: DiagnosisRequest<unknown>): RecommendedAction[] {
  const definitions = request.subject.actions();
  return actions.flatMap((a) => {
    const call = checkCall(definitions, "action", a.name, a.params);
    if (call.ok) return [{ name: a.name, params: call.params, why: a.why }];
    log.warn(`diagnosis rule recommended an action that cannot run, left out: ${call.reason}`);
    return [];
  });
}

/** The open violations, with the ticket's own added from the ticket when it no longer shows. */
function openViolations(request: DiagnosisRequest<unknown>): { violations: Violation[]; ticketCleared: boolean } {
  const ticketKey = violationKey(request.ticket);
  if (request.violations.some((v) => violationKey(v) === ticketKey)) return { violations: request.violations, ticketCleared: false };
  const { ticket } = request;
  const own: Violation = {
    invariant: ticket.invariant,
    resource: ticket.resource,
    severity: ticket.severity as Violation["severity"],
    message: ticket.message ?? `${ticketKey} (from the ticket)`,
    evidence: ticket.evidence ?? {},
  };
  return { violations: [own, ...request.violations], ticketCleared: true };
}

/** Every rule's hypotheses over `violations`, one per cause; a rule that throws is skipped. */
function hypothesesOf<O>(request: Pick<DiagnosisRequest<O>, "subject" | "observation" | "history" | "now">, violations: Violation[]): (Hypothesis & { rules: string[] })[] {
  const found: { rule: string; hypothesis: Hypothesis }[] = [];
  for (const rule of request.subject.diagnosisRules) {
    try {
      for (const hypothesis of rule.evaluate({ violations, observation: request.observation, history: request.history, now: request.now })) {
        found.push({ rule: rule.name, hypothesis });
      }
    } catch (error) {
      log.warn(`diagnosis rule ${rule.name} failed and was skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return merge(found);
}

/**
 * The violation keys the subject's rules say `component` + `faultClass` explains in this
 * observation: whichever engine named the cause, what it covers is the rules' knowledge. Empty
 * when no rule proposes that cause.
 */
/** Every cause the subject's rules propose for this cycle's violations, one per cause. */
export function ruleClaims<O>(request: Pick<DiagnosisRequest<O>, "subject" | "observation" | "history" | "now" | "violations">): Hypothesis[] {
  return hypothesesOf(request, request.violations);
}

export function causeExplains<O>(request: Pick<DiagnosisRequest<O>, "subject" | "observation" | "history" | "now" | "violations">, component: string, faultClass: string): string[] {
  return hypothesesOf(request, request.violations).find((h) => h.component === component && h.faultClass === faultClass)?.explains ?? [];
}

export function diagnoseWithRules<O>(request: DiagnosisRequest<O>, startedAt: number, clock: () => number = Date.now): Diagnosis {
  const ticketKey = violationKey(request.ticket);
  const { violations, ticketCleared } = openViolations(request as DiagnosisRequest<unknown>);
  const openKeys = new Set(violations.map(violationKey));
  const ranked = weigh(hypothesesOf(request, violations), openKeys, ticketKey);
  const described = violations.map((v) => `${violationKey(v)}: ${v.message}`);
  const clearedNote = ticketCleared ? [`${ticketKey} no longer shows in the latest check`] : [];
  const winner = ranked[0];
  if (!winner) {
    return {
      ticketId: request.ticket.id,
      engine: "builtin",
      rootCause: { component: request.ticket.resource, summary: `no rule explains ${ticketKey}; the open violations are listed as evidence`, confidence: 0.1 },
      faultClass: "unknown",
      evidence: [...clearedNote, ...described],
      alternatives: [],
      recommendedActions: [],
      tookMs: clock() - startedAt,
    };
  }
  const unexplained = violations.map(violationKey).filter((k) => !winner.explained.includes(k));
  const alternatives: Alternative[] = ranked.slice(1, 6).map((alt) => ({
    component: alt.component,
    faultClass: alt.faultClass,
    summary: alt.summary,
    confidence: round(alt.confidence),
    whyRuledOut: whyRuledOut(alt, winner, ticketKey, openKeys.size),
  }));
  return {
    ticketId: request.ticket.id,
    engine: "builtin",
    rootCause: { component: winner.component, summary: winner.summary, confidence: round(winner.confidence) },
    faultClass: winner.faultClass,
    evidence: [
      ...winner.evidence,
      ...clearedNote,
      `explains ${winner.explained.length} of ${openKeys.size} open violations: ${winner.explained.join(", ")}`,
      ...(unexplained.length ? [`not explained by this cause: ${unexplained.join(", ")}`] : []),
    ],
    alternatives,
    recommendedActions: runnable(winner.actions, request as DiagnosisRequest<unknown>),
    tookMs: clock() - startedAt,
  };
}

export function createBuiltinEngine(clock: () => number = Date.now): DiagnosisEngine {
  return {
    name: "builtin",
    async diagnose(request) {
      return diagnoseWithRules(request, clock(), clock);
    },
  };
}
