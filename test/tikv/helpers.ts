// Shared by the tikv tests: open the subject on a stand-in and read what its invariants say.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeDeployment } from "../../lib/cluster/deployment.ts";
import { openState } from "../../lib/state/state.ts";
import type { Subject, Violation } from "../../lib/subject/subject.ts";
import plugin from "../../subjects/tikv/index.ts";
import type { TikvObservation } from "../../subjects/tikv/observation.ts";
import type { PdStandIn } from "./pd-stand-in.ts";

export async function openSubject(standIn: PdStandIn, extra: Record<string, unknown> = {}): Promise<Subject<TikvObservation>> {
  return plugin.open({ pdUrl: standIn.urls.join(","), ...extra }, { stateDir: "/nonexistent" });
}

export async function look(subject: Subject<TikvObservation>): Promise<{ observation: TikvObservation; violations: Violation[] }> {
  const observation = await subject.observe(new AbortController().signal);
  const violations = subject.invariants.flatMap((i) => i.check(observation, observation.observedAtMs));
  return { observation, violations };
}

/** `invariant:resource` of each violation, sorted: the tickets a monitor would open. */
export const keysOf = (violations: Violation[]) => violations.map((v) => `${v.invariant}:${v.resource}`).sort();

export const run = (subject: Subject<TikvObservation>, name: string, params: unknown) => subject.execute(name, params, new AbortController().signal);

/**
 * The subject as `monitor` opens it on a local cluster (`cluster up --subject tikv`): a state dir
 * recording the stand-in as that cluster, and a restart that does to the stand-in what
 * `docker compose restart tikvN` does (the stopped store is back).
 */
export async function openLocalSubject(standIn: PdStandIn): Promise<Subject<TikvObservation>> {
  const stateDir = mkdtempSync(join(tmpdir(), "operator-tikv-local-"));
  process.once("exit", () => rmSync(stateDir, { recursive: true, force: true }));
  const state = openState(stateDir);
  writeDeployment(state, {
    subject: "tikv",
    createdAt: new Date().toISOString(),
    stateDir,
    endpoints: standIn.urls,
    processes: [],
    details: {
      compose_file: join(stateDir, "docker-compose.yml"),
      project: "operator-tikv",
      compose_cli: ["docker", "compose"],
      pd_services: standIn.model.members.map((m) => m.name),
      tikv_services: standIn.model.stores.map((s) => s.name),
      prometheus_url: null,
    },
  });
  state.close();
  return plugin.open({}, { stateDir, restartPart: (part) => standIn.revert({ name: "store-stop", params: { store: part } }) });
}
