// The edge every action or tool call passes, whoever makes it (a rule, an LLM, a person): the
// name must be one the subject defines, of the expected kind, and the params must pass its schema.
import * as v from "valibot";
import type { ActionDefinition } from "../subject/subject.ts";

export type CheckedCall =
  | { ok: true; definition: ActionDefinition; params: Record<string, unknown> }
  | { ok: false; reason: string };

/** The first schema issue as `path: message`, the way a person fixes it. */
export function describeIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  if (!first) return "invalid";
  const path = first.path?.map((p) => String(p.key)).join(".");
  return path ? `${path}: ${first.message}` : first.message;
}

export function checkCall(definitions: readonly ActionDefinition[], kind: "action" | "tool", name: unknown, params: unknown): CheckedCall {
  const candidates = definitions.filter((d) => d.kind === kind);
  const definition = candidates.find((d) => d.name === name);
  if (typeof name !== "string" || !definition) {
    const other = definitions.find((d) => d.name === name);
    const known = candidates.map((d) => d.name).join(", ") || "none";
    const shown = JSON.stringify(typeof name === "string" ? name.slice(0, 80) : name);
    return other
      ? { ok: false, reason: `${shown} is ${other.kind === "tool" ? "a read-only tool" : "an action"}, not ${kind === "tool" ? "a tool" : "an action"}: use one of ${known}` }
      : { ok: false, reason: `unknown ${kind} ${shown}: use one of ${known}` };
  }
  const parsed = v.safeParse(definition.params, params ?? {});
  if (!parsed.success) return { ok: false, reason: `params of ${definition.name} are invalid: ${describeIssue(parsed.issues)}` };
  return { ok: true, definition, params: (parsed.output ?? {}) as Record<string, unknown> };
}
