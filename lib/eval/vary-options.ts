// `eval --vary`'s flags, in one table, and the variants they ask for on a subject.
import * as v from "valibot";
import { defineOptions, List, NonNegativeInt, Switch, type ResolvedOptions, type TextSchema } from "../cli/config.ts";
import { usageError } from "../cli/errors.ts";
import type { Scenario } from "../scenario/scenario.ts";
import { VARIANT_KINDS, type VariantKind } from "../scenario/scenario-variant.ts";
import type { SubjectPlugin } from "../subject/subject.ts";
import { planVariants, type PlannedVariant, type SkippedVariant } from "./vary-plan.ts";

/** A positive whole number, or `all` (Infinity). */
const CountOrAll: TextSchema<number> = v.pipe(
  v.string(),
  v.transform((s) => (s.trim().toLowerCase() === "all" ? Infinity : /^\s*\d+\s*$/.test(s) ? Number(s) : Number.NaN)),
  v.check((n) => n >= 1, "is not a positive whole number or all"),
);

/** The seed eval uses unless told: printed with every --vary result, so a run can be repeated. */
export const DEFAULT_SEED = 1;

export const varyOptions = defineOptions({
  vary: { env: "OPERATOR_EVAL_VARY", schema: Switch, boolean: true, help: "also run each scenario's variants (its fault's size halved and doubled, background x0.3 and x3, ten times the keys, another node, another algorithm), each with its expected outcome declared first and its control" },
  variants: { env: "OPERATOR_EVAL_VARIANTS", default: "all", schema: List, help: `with --vary: the kinds of variant, comma-separated: ${VARIANT_KINDS.join(", ")} (or all)` },
  varySample: { env: "OPERATOR_EVAL_VARY_SAMPLE", default: "2", schema: CountOrAll, help: "with --vary: variants per scenario at most, picked by the seed (a size change first, the other kinds in turn), or all" },
  seed: { env: "OPERATOR_EVAL_SEED", default: String(DEFAULT_SEED), schema: NonNegativeInt, help: "with --vary: the seed that picks targets, algorithms and the sample (the same seed, the same variants)" },
});

export type VaryOptions = ResolvedOptions<typeof varyOptions>;

function kindsOf(names: string[]): VariantKind[] {
  if (names.length === 0 || (names.length === 1 && names[0] === "all")) return [...VARIANT_KINDS];
  const unknown = names.filter((n) => !(VARIANT_KINDS as readonly string[]).includes(n));
  if (unknown.length) throw usageError("unknown_variant_kind", `--variants names ${unknown.map((n) => `"${n}"`).join(", ")}: use ${VARIANT_KINDS.join(", ")} or all (env OPERATOR_EVAL_VARIANTS)`);
  return names as VariantKind[];
}

/** The variants `--vary` runs on `scenarios` (none without --vary); the subject must describe how its scenarios vary. */
export function variantsFor(plugin: SubjectPlugin, scenarios: Scenario[], o: VaryOptions, graceScale: number): { variants: PlannedVariant[]; skipped: SkippedVariant[]; kinds: VariantKind[] } {
  const kinds = kindsOf(o.variants);
  if (!o.vary) return { variants: [], skipped: [], kinds };
  if (!plugin.variation) throw usageError("no_variation", `subject ${plugin.name} does not say how its scenarios vary: run operator eval without --vary for this subject`);
  const demo = plugin.demo;
  const planned = planVariants(scenarios, {
    variation: plugin.variation, deployment: demo?.deployment ?? {}, ...(demo?.background ? { background: demo.background } : {}),
    watch: demo?.watch ?? {}, graceScale, intervalMs: demo?.intervalMs ?? 1_000, kinds, sample: o.varySample, seed: o.seed,
  });
  return { ...planned, kinds };
}
