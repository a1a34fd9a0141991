// Eval's state dir: one subdirectory per run (its own cluster, tickets, actions and audit), kept
// after the eval for a person to read. A new or empty dir is marked as eval's; a dir eval marked
// before is reused from a clean slate (clusters a killed eval left behind are taken down first);
// any other dir is refused, so an eval never mixes with a real cluster's state.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ClusterEnv } from "../cluster/cluster.ts";
import { clusterDown } from "../cluster/cluster-down.ts";
import { loadDeployment } from "../cluster/deployment.ts";
import { usageError } from "../cli/errors.ts";

export const EVAL_MARKER = ".operator-eval";

/** Makes `dir` ready for an eval and returns it, absolute. */
export async function prepareEvalDir(dir: string, env: Omit<ClusterEnv, "stateDir">): Promise<string> {
  const path = resolve(dir);
  const entries = existsSync(path) ? readdirSync(path) : [];
  if (entries.length > 0 && !entries.includes(EVAL_MARKER)) {
    throw usageError("state_dir_in_use", `--state-dir ${path} holds state that is not an eval's: pass a new or empty directory (env OPERATOR_EVAL_STATE_DIR)`);
  }
  for (const entry of entries) {
    const runDir = join(path, entry);
    if (entry === EVAL_MARKER || !statSync(runDir).isDirectory()) continue;
    if (loadDeployment(runDir)) env.note(`a cluster of an earlier eval is still up in ${runDir}: taking it down`);
    // Also with no record: what a killed eval was starting carries the dir's mark.
    await clusterDown({ ...env, stateDir: runDir });
  }
  for (const entry of entries) if (entry !== EVAL_MARKER) rmSync(join(path, entry), { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, EVAL_MARKER), "state of operator eval: one directory per run, removed and recreated by the next eval\n");
  return path;
}

/** The state dir of run `index` (0-based) of an eval in `base`. */
export const runDirOf = (base: string, index: number, name: string, engine: string, repeat: number) =>
  join(base, `${String(index + 1).padStart(3, "0")}-${name}-${engine}-${repeat}`);
