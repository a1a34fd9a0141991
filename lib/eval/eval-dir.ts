// Eval's state dir: a marked dir of its own (see marked-dir.ts) with one subdirectory per run (its
// own cluster, tickets, actions and audit), kept after the eval for a person to read.
import { statSync } from "node:fs";
import { join } from "node:path";
import type { ClusterEnv } from "../cluster/cluster.ts";
import { prepareMarkedDir, type DirOwner } from "../scenario/marked-dir.ts";

export const EVAL_MARKER = ".operator-eval";

const evaluation: DirOwner = {
  marker: EVAL_MARKER,
  markerText: "state of operator eval: one directory per run, removed and recreated by the next eval\n",
  name: "eval",
  aName: "an eval",
  envVar: "OPERATOR_EVAL_STATE_DIR",
  clusterDirs: (path, entries) => entries.filter((e) => e !== EVAL_MARKER).map((e) => join(path, e)).filter((d) => statSync(d).isDirectory()),
};

/** Makes `dir` ready for an eval and returns it, absolute. */
export const prepareEvalDir = (dir: string, env: Omit<ClusterEnv, "stateDir">): Promise<string> => prepareMarkedDir(dir, evaluation, env);

/** The state dir of run `index` (0-based) of an eval in `base`. */
export const runDirOf = (base: string, index: number, name: string, engine: string, repeat: number) =>
  join(base, `${String(index + 1).padStart(3, "0")}-${name}-${engine}-${repeat}`);
