// A scenario: one fault story told once, shared by demo chapters and eval runs: the workload, the
// fault(s), what must be detected, the root cause, and the remedy that counts. A demo is a list of
// them on one deployment, with the steps around the faults (set up, kill switch, tear down).

/** One chaos fault as `operator chaos <fault>` takes it: flags by name (`node`, `latency`, `mode`), as typed. */
export interface FaultStep {
  fault: string;
  params: Record<string, string>;
  /** The lease: the fault is reverted at the latest this long after it is injected. */
  durationMs: number;
}

/** A loadgen profile, as `operator loadgen` flags (without targets, which come from the deployment). */
export interface Workload {
  rate: number;
  keys?: number;
  keyDist?: "uniform" | "zipf" | "hot";
  keyPrefix?: string;
  /** Every request for this one key (`--key`): `keys`, `keyDist` and `keyPrefix` are then ignored. */
  key?: string;
  cost?: number;
  /** `FACTORx:LENGTH/EVERY`, as `--burst` takes it. */
  burst?: string;
}

export interface Detection {
  invariant: string;
  resource: string;
}

export interface RemedyStep {
  action: string;
  /** The params the proposal must carry (it may carry more). */
  params: Record<string, unknown>;
}

/**
 * What a chapter does around its faults. `setup`: bring the deployment up, start the background
 * load, and see nothing open. `fault` (the default): inject, detect, diagnose, remedy, all clear.
 * `kill_switch`: like `fault`, but the pending remedy is cancelled by the kill switch instead of
 * approved. `teardown`: stop everything that was started and check that nothing is left running.
 * `control`: an eval's no-fault run: the deployment and load for `quietMs`, every ticket counted.
 */
export type ChapterKind = "setup" | "fault" | "kill_switch" | "teardown" | "control";

export interface Expectation {
  /** Every one of these must be opened as a ticket within `deadlineMs` of the injection. */
  detections: Detection[];
  deadlineMs: number;
  /** Root-cause components the diagnosis must name (one per fault for compound scenarios). */
  components: string[];
  /** Other names accepted for a component (`db` for `db:primary`). */
  aliases?: Record<string, string[]>;
  /** From the subject's closed list of fault classes: that of the first component. */
  faultClass: string;
  /** Compound scenarios: the fault class of each component whose class differs from `faultClass`. */
  faultClasses?: Record<string, string>;
  /**
   * Tickets the fault may also open without the operator being wrong (its knock-on effects), as
   * `invariant:resource` keys (a trailing `*` stands for any rest: `counter_drift:key:*`); any other
   * ticket opened meanwhile is a false positive.
   */
  tolerated?: string[];
}

export interface Scenario {
  name: string;
  subject: string;
  title: string;
  /** What a person watching the demo is told before the step runs. */
  narration: string;
  /** Default `fault`. */
  kind?: ChapterKind;
  /** Deployment options (`cluster up` flags by name, as typed), e.g. `{algorithm: "fixed-window"}`; merged over the demo's. */
  deployment?: Record<string, string>;
  /** Load of this scenario alone, from before its faults until they are reverted. */
  workload?: Workload;
  /** No faults: a control run, where every ticket is a false positive. */
  faults: FaultStep[];
  /** What must be seen; a control (a setup, a teardown, eval's no-fault runs) expects nothing: `CONTROL`. */
  expect: Expectation;
  /** Actions that count as a remedy, judged by end state: every invariant clear after they ran. */
  remedy?: RemedyStep[];
  /**
   * How long nothing new may open once the remedy was verified, with the fault still in place
   * (the remedy holds), or after a setup (the baseline is clean), ms.
   */
  quietMs?: number;
}

/** A subject's demo: one deployment, load underneath everything, chapters in order. */
export interface DemoPlan {
  title: string;
  /** `cluster up` flags, as typed, for the demo's deployment. */
  deployment: Record<string, string>;
  /** The subject's own options while it is watched (its `monitor` flags, as typed), e.g. thresholds. */
  watch?: Record<string, string>;
  /** Load that runs under every chapter. */
  background?: Workload;
  /** `monitor --grace-scale` and `--interval` of the demo, chosen so the whole story fits in minutes. */
  graceScale: number;
  intervalMs: number;
  /** How long an executed action has to clear its ticket's violation, ms. */
  verifyWithinMs: number;
  chapters: Scenario[];
}

export const kindOf = (s: Scenario): ChapterKind => s.kind ?? "fault";

/** The fault class a diagnosis naming `component` must give. */
export const faultClassOf = (expect: Expectation, component: string): string => expect.faultClasses?.[component] ?? expect.faultClass;

/** The expectation of a run without faults: no ticket at all. */
export const CONTROL: Expectation = { detections: [], deadlineMs: 0, components: [], faultClass: "none" };

/** Does `named` (a diagnosis's component) match `expected`, directly or through an alias? */
export function isSameComponent(expected: string, named: string, aliases: Record<string, string[]> = {}): boolean {
  return named === expected || (aliases[expected] ?? []).includes(named);
}

const PLACEHOLDER = /\{([a-z0-9_-]+)\}/gi;
const hasPlaceholder = (text: string) => /\{[a-z0-9_-]+\}/i.test(text);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Some scenarios name what only the running deployment knows as `{name}` (`member:{leader}`: the
 * member a fault hit). Each expected resource with a placeholder is matched against the targets
 * the faults actually hit (`member:m2`), and every `{name}` so bound is filled in throughout
 * the expectation and the remedy. Unbound placeholders stay as they are.
 */
export function bindPlaceholders(scenario: Scenario, targets: string[]): Scenario {
  const bound = new Map<string, string>();
  const patterns = [...scenario.expect.detections.map((d) => d.resource), ...scenario.expect.components].filter(hasPlaceholder);
  for (const pattern of patterns) {
    const names = [...pattern.matchAll(PLACEHOLDER)].map((m) => m[1]!);
    // split() with the capturing group alternates literal text (even) and placeholder names (odd).
    const regex = new RegExp(`^${pattern.split(PLACEHOLDER).map((part, i) => (i % 2 ? "([^,:]+)" : escapeRegExp(part))).join("")}$`);
    for (const target of targets) {
      const match = regex.exec(target);
      if (match) names.forEach((name, i) => bound.has(name) || bound.set(name, match[i + 1]!));
    }
  }
  if (bound.size === 0) return scenario;
  const fill = (value: unknown): unknown => {
    if (typeof value === "string") return value.replace(PLACEHOLDER, (whole, name: string) => bound.get(name) ?? whole);
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [fill(k) as string, fill(v)]));
    return value;
  };
  return { ...scenario, expect: fill(scenario.expect) as Expectation, ...(scenario.remedy ? { remedy: fill(scenario.remedy) as RemedyStep[] } : {}) };
}
