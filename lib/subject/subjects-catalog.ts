// The registry's subjects described for people and scripts (`operator subjects`).
import { loadSubject, subjectNames } from "./registry.ts";

export interface SubjectDescription {
  name: string;
  description: string;
  invariants: { name: string; severity: string; grace_ms: number; description: string }[];
  actions: { name: string; kind: string; risk: string; description: string }[];
}

export async function describeSubjects(): Promise<SubjectDescription[]> {
  return Promise.all(
    subjectNames().map(async (name) => {
      const plugin = await loadSubject(name);
      return {
        name: plugin.name,
        description: plugin.description,
        invariants: plugin.invariants.map((i) => ({ name: i.name, severity: i.severity, grace_ms: i.graceMs, description: i.description })),
        actions: plugin.actionDefinitions.map((a) => ({ name: a.name, kind: a.kind, risk: a.risk, description: a.description })),
      };
    }),
  );
}
