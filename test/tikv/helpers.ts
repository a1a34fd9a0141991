// Shared by the tikv tests: open the subject on a stand-in and read what its invariants say.
import type { Subject, Violation } from "../../lib/subject.ts";
import plugin from "../../subjects/tikv/index.ts";
import type { TikvObservation } from "../../subjects/tikv/observation.ts";
import type { PdStandIn } from "./pd-stand-in.ts";

export async function openSubject(standIn: PdStandIn, extra: Record<string, unknown> = {}): Promise<Subject<TikvObservation>> {
  return plugin.open({ pdUrl: standIn.urls.join(","), ...extra }, { stateDir: "/nonexistent" });
}

export async function look(subject: Subject<TikvObservation>): Promise<{ observation: TikvObservation; violations: Violation[] }> {
  const observation = await subject.observe(new AbortController().signal);
  const violations = subject.invariants.flatMap((i) => i.check(observation, observation.observedAtMs));
  return { observation, violations };
}

/** `invariant:resource` of each violation, sorted: the tickets a monitor would open. */
export const keysOf = (violations: Violation[]) => violations.map((v) => `${v.invariant}:${v.resource}`).sort();

export const run = (subject: Subject<TikvObservation>, name: string, params: unknown) => subject.execute(name, params, new AbortController().signal);
