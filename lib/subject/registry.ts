// The one file in lib/ that names subjects, each as a lazy import: --help loads none.
import { usageError } from "../cli/errors.ts";
import type { SubjectPlugin } from "./subject.ts";

const subjects: Record<string, () => Promise<{ default: SubjectPlugin }>> = {
  ratelimiter: () => import("../../subjects/ratelimiter/index.ts"),
  tikv: () => import("../../subjects/tikv/index.ts"),
  etcd: () => import("../../subjects/etcd/index.ts"),
};

export const subjectNames = (): string[] => Object.keys(subjects);

/** The subject a command watches when none is named (`--subject`, env OPERATOR_SUBJECT). */
export const DEFAULT_SUBJECT = "ratelimiter";

export async function loadSubject(name: string): Promise<SubjectPlugin> {
  const load = subjects[name];
  if (!load) throw usageError("unknown_subject", `unknown subject "${name}": use one of ${subjectNames().join(", ")}`);
  return (await load()).default;
}
