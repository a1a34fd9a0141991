// How a local deployment is shown: the JSON of `cluster up/status/restart-node --json`, and its
// human table.
import type { ClusterView } from "./cluster.ts";
import { faultJson } from "../chaos/fault.ts";

export function clusterJson(view: ClusterView) {
  return {
    healthy: view.healthy,
    ...view.description,
    parts: view.parts.map((p) => ({ name: p.name, role: p.role, pid: p.pid ?? null, url: p.url ?? null, alive: p.alive, healthy: p.healthy, detail: p.detail })),
    faults: view.faults.map((f) => faultJson(f)),
  };
}

export function renderCluster(view: ClusterView, headline: string): string {
  const width = Math.max(...view.parts.map((p) => p.name.length));
  const lines = [
    headline,
    ...view.parts.map((p) => `  ${p.healthy ? "ok  " : "DOWN"}  ${p.name.padEnd(width)}  pid ${String(p.pid ?? "-").padEnd(7)} ${p.url ?? ""}${p.url ? "  " : ""}${p.detail}`),
  ];
  const token = view.description.admin_token_file;
  if (typeof token === "string") lines.push(`admin token: ${token} (mode 0600)`);
  for (const f of view.faults) lines.push(`fault #${f.id} ${f.fault} on ${f.target}: ${f.status}, ${Math.max(0, Math.round((f.expiresAt - Date.now()) / 1000))}s left`);
  return lines.join("\n");
}
