// A state dir that a runner (the demo, the eval) owns: its own, so that its tickets, actions and
// clusters never mix with a real one. A new or empty dir is marked as the runner's; a dir it marked
// before is reused from a clean slate (clusters a killed run left behind are taken down first); any
// other dir is refused.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ClusterEnv } from "../cluster/cluster.ts";
import { clusterDown } from "../cluster/cluster-down.ts";
import { loadDeployment } from "../cluster/deployment.ts";
import { usageError } from "../cli/errors.ts";

export interface DirOwner {
  /** The marker file's name. */
  marker: string;
  /** What the marker file says. */
  markerText: string;
  /** The runner, as messages name it: "demo", "eval". */
  name: string;
  /** "a demo", "an eval". */
  aName: string;
  /** The env var of its --state-dir, named in the refusal. */
  envVar: string;
  /** Where a cluster of an earlier run may be up: the dir itself, or each run's subdirectory. */
  clusterDirs(path: string, entries: string[]): string[];
}

/** Makes `dir` ready for a run of `owner` and returns it, absolute. */
export async function prepareMarkedDir(dir: string, owner: DirOwner, env: Omit<ClusterEnv, "stateDir">): Promise<string> {
  const path = resolve(dir);
  const entries = existsSync(path) ? readdirSync(path) : [];
  if (entries.length > 0 && !entries.includes(owner.marker)) {
    throw usageError("state_dir_in_use", `--state-dir ${path} holds state that is not ${owner.aName}'s: pass a new or empty directory (env ${owner.envVar})`);
  }
  if (entries.includes(owner.marker)) {
    for (const clusterDir of owner.clusterDirs(path, entries)) {
      if (loadDeployment(clusterDir)) env.note(`a cluster of an earlier ${owner.name} is still up in ${clusterDir}: taking it down`);
      // Also with no record: what a killed run was starting carries the dir's mark.
      await clusterDown({ ...env, stateDir: clusterDir });
    }
  }
  for (const entry of entries) if (entry !== owner.marker) rmSync(join(path, entry), { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, owner.marker), owner.markerText);
  return path;
}
