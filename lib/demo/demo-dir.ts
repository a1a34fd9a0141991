// The demo's state dir: a marked dir of its own (see marked-dir.ts), its one cluster in the dir itself.
import type { ClusterEnv } from "../cluster/cluster.ts";
import { prepareMarkedDir, type DirOwner } from "../scenario/marked-dir.ts";

export const DEMO_MARKER = ".operator-demo";

const demo: DirOwner = {
  marker: DEMO_MARKER,
  markerText: "state of operator demo: removed and recreated by the next demo run\n",
  name: "demo",
  aName: "a demo",
  envVar: "OPERATOR_DEMO_STATE_DIR",
  clusterDirs: (path) => [path],
};

/** Makes `dir` ready for a demo run and returns it, absolute. */
export const prepareDemoDir = (dir: string, env: Omit<ClusterEnv, "stateDir">): Promise<string> => prepareMarkedDir(dir, demo, env);
