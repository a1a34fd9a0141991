// `operator cluster up --subject tikv`: the compose stack of deploy/tikv (3 PD, 3 TiKV, Prometheus)
// under docker compose, recorded with its PD and Prometheus URLs; healthy when PD sees every store Up.
import { resolve } from "node:path";
import { defineOptions, NonEmptyText, PositiveDuration } from "../../lib/cli/config.ts";
import type { DeploymentContext, DeploymentDefinition, DeploymentRecord, PartStatus } from "../../lib/cluster/deployment.ts";
import { unhealthyError } from "../../lib/cli/errors.ts";
import { waitFor } from "../../lib/process/wait.ts";
import { compose, findComposeCli, readTopology, type ComposeProject, type ComposeTopology } from "./compose.ts";
import { PdClient } from "./pd-client.ts";
import type { PdMemberHealth, PdStore } from "./pd-shapes.ts";

/** What the record's `details` hold (plain JSON). */
export interface TikvDeploymentDetails {
  compose_file: string;
  project: string;
  compose_cli: string[];
  pd_services: string[];
  tikv_services: string[];
  prometheus_url: string | null;
}

const options = defineOptions({
  composeFile: { env: "OPERATOR_TIKV_COMPOSE_FILE", default: "deploy/tikv/docker-compose.yml", schema: NonEmptyText, help: "the compose file of the TiKV stack" },
  project: { env: "OPERATOR_TIKV_PROJECT", default: "operator-tikv", schema: NonEmptyText, help: "docker compose project name (prefixes the containers)" },
  upTimeout: { env: "OPERATOR_TIKV_UP_TIMEOUT", default: "5m", schema: PositiveDuration, help: "how long images may take to pull and PD to see every store Up" },
});

export const detailsOf = (record: DeploymentRecord) => record.details as unknown as TikvDeploymentDetails;
export const projectOf = (record: DeploymentRecord): ComposeProject => {
  const d = detailsOf(record);
  return { file: d.compose_file, project: d.project, cli: d.compose_cli };
};
export const pdClientOf = (record: DeploymentRecord, timeoutMs = 2_000) => new PdClient({ urls: record.endpoints, timeoutMs });

/** The store of a TiKV service: the one PD knows by that host (`--advertise-addr=tikv1:20160`). */
export const storeOfService = (stores: PdStore[], service: string) => stores.find((s) => s.address.split(":")[0] === service);

async function pdView(record: DeploymentRecord): Promise<{ stores: PdStore[] | null; health: PdMemberHealth[] | null; error?: string }> {
  const pd = pdClientOf(record);
  const [stores, health] = await Promise.allSettled([pd.stores(), pd.health()]);
  const error = [stores, health].find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
  return {
    stores: stores.status === "fulfilled" ? stores.value : null,
    health: health.status === "fulfilled" ? health.value : null,
    ...(error ? { error: (error.reason as Error).message } : {}),
  };
}

function allStoresUp(topology: ComposeTopology, stores: PdStore[] | null): boolean {
  return !!stores && topology.tikv.every((t) => storeOfService(stores, t.service)?.stateName === "Up");
}

export const deployment: DeploymentDefinition = {
  description: "the TiKV stack of deploy/tikv under docker compose: 3 PD, 3 TiKV, Prometheus (needs Docker)",
  options,
  async up(ctx: DeploymentContext, raw) {
    const file = resolve(String(raw.composeFile ?? options.composeFile.default));
    const topology = readTopology(file);
    const project: ComposeProject = { file, project: String(raw.project ?? options.project.default), cli: await findComposeCli(ctx.env) };
    const record: DeploymentRecord = {
      subject: "tikv",
      createdAt: new Date().toISOString(),
      stateDir: ctx.stateDir,
      endpoints: topology.pd.map((p) => p.url),
      processes: [],
      details: {
        compose_file: file,
        project: project.project,
        compose_cli: project.cli,
        pd_services: topology.pd.map((p) => p.service),
        tikv_services: topology.tikv.map((t) => t.service),
        prometheus_url: topology.prometheusUrl,
      } satisfies TikvDeploymentDetails as unknown as Record<string, unknown>,
    };
    ctx.note(`cluster up: ${project.cli.join(" ")} -p ${project.project} up -d (${file})`);
    try {
      await compose(project, ["up", "-d"], { timeoutMs: Number(raw.upTimeout ?? 300_000), env: ctx.env });
      const timeoutMs = Number(raw.upTimeout ?? 300_000);
      const ready = await waitFor(async () => allStoresUp(topology, (await pdView(record)).stores), { timeoutMs, intervalMs: 1_000, signal: ctx.signal });
      if (!ready) throw unhealthyError("tikv_not_ready", `PD at ${record.endpoints.join(", ")} did not see every TiKV store Up within ${timeoutMs} ms: see ${project.cli.join(" ")} -p ${project.project} logs`);
      return record;
    } catch (error) {
      await compose(project, ["down"], { env: ctx.env }).catch(() => {});
      throw error;
    }
  },
  async status(_ctx, record) {
    const d = detailsOf(record);
    const view = await pdView(record);
    const why = view.error ?? "PD did not answer";
    const parts: PartStatus[] = d.pd_services.map((service, i) => {
      const member = view.health?.find((h) => h.name === service);
      const healthy = member?.health === true;
      return { name: service, role: "pd", url: record.endpoints[i], alive: !!member, healthy, detail: member ? (healthy ? "healthy member" : "PD reports it unhealthy") : why };
    });
    for (const service of d.tikv_services) {
      const store = view.stores ? storeOfService(view.stores, service) : undefined;
      const healthy = store?.stateName === "Up";
      parts.push({ name: service, role: "tikv", alive: healthy, healthy, detail: store ? `store ${store.id} is ${store.stateName}` : view.stores ? "PD has no store at this address" : why });
    }
    return parts;
  },
  restartableParts: (record) => [...detailsOf(record).pd_services, ...detailsOf(record).tikv_services],
  async restart(ctx, record, part) {
    await compose(projectOf(record), ["restart", part], { env: ctx.env });
    return record;
  },
  async down(ctx, record) {
    ctx.note(`cluster down: ${detailsOf(record).compose_cli.join(" ")} -p ${detailsOf(record).project} down`);
    await compose(projectOf(record), ["down"], { env: ctx.env });
  },
  describe(record) {
    const d = detailsOf(record);
    return { compose_file: d.compose_file, project: d.project, pd_urls: record.endpoints, prometheus_url: d.prometheus_url, tikv_services: d.tikv_services };
  },
};
