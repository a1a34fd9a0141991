// The demo's state dir: its own, so that its tickets, actions and cluster never mix with a real
// one. A new or empty dir is marked as the demo's; a dir the demo marked before is reused from a
// clean slate (a cluster a killed demo left behind is taken down first); any other dir is refused.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ClusterEnv } from "../cluster/cluster.ts";
import { clusterDown } from "../cluster/cluster-down.ts";
import { loadDeployment } from "../cluster/deployment.ts";
import { usageError } from "../cli/errors.ts";

export const DEMO_MARKER = ".operator-demo";

/** Makes `dir` ready for a demo run and returns it, absolute. */
export async function prepareDemoDir(dir: string, env: Omit<ClusterEnv, "stateDir">): Promise<string> {
  const path = resolve(dir);
  const entries = existsSync(path) ? readdirSync(path) : [];
  if (entries.length > 0 && !entries.includes(DEMO_MARKER)) {
    throw usageError("state_dir_in_use", `--state-dir ${path} holds state that is not a demo's: pass a new or empty directory (env OPERATOR_DEMO_STATE_DIR)`);
  }
  if (entries.includes(DEMO_MARKER)) {
    if (loadDeployment(path)) env.note(`a cluster of an earlier demo is still up in ${path}: taking it down`);
    // Also with no record: what a killed demo was starting carries the dir's mark.
    await clusterDown({ ...env, stateDir: path });
  }
  for (const entry of entries) if (entry !== DEMO_MARKER) rmSync(join(path, entry), { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, DEMO_MARKER), "state of operator demo: removed and recreated by the next demo run\n");
  return path;
}
