// How chaos shows itself to a person: one line per fault record, and the catalogue of faults.
import { describeOption } from "../cli/config.ts";
import type { FaultDefinition, FaultRecord } from "./fault.ts";
import { flagName } from "../cli/config.ts";

export function renderFault(record: FaultRecord, now = Date.now()): string {
  const left = Math.max(0, Math.round((record.expiresAt - now) / 100) / 10);
  const state =
    record.status === "reverted"
      ? `reverted${record.verified ? " and verified" : " (not verified)"}${record.error ? `: ${record.error}` : ""}`
      : `${record.status}, ${left}s left${record.error ? ` (last revert: ${record.error})` : ""}`;
  return `#${record.id} ${record.fault} on ${record.target}: ${state} — ${record.summary}`;
}

export function catalogueJson(subject: string, faults: FaultDefinition[]) {
  return {
    subject,
    faults: faults.map((f) => ({
      name: f.name,
      description: f.description,
      targets: f.targets,
      params: Object.entries(f.options).map(([key, spec]) => ({ flag: `--${flagName(key)}`, default: spec.default ?? null, help: spec.help })),
    })),
  };
}

export function renderCatalogue(faults: FaultDefinition[]): string {
  return faults
    .map((f) => [`${f.name}: ${f.description}`, `  target: ${f.targets}`, ...Object.entries(f.options).map(([key, spec]) => `  --${flagName(key)}  ${describeOption(spec)}`)].join("\n"))
    .join("\n");
}
