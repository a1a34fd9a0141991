// deploy/: what can be checked without a Docker engine. promtool checks the Prometheus config, the
// alert rules (and their unit tests) and every dashboard query; the compose file is checked by
// `docker compose config` when that client is here, and by its structure always.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { METRIC } from "../ratelimiter/metrics.ts";

const DEPLOY = join(import.meta.dir, "..", "deploy");

async function run(argv: string[], cwd = DEPLOY) {
  const proc = Bun.spawn(argv, { cwd, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, output: `${stdout}${stderr}` };
}

function promtool(): string {
  const path = Bun.which("promtool");
  if (!path) throw new Error("promtool is missing: make deps installs it (Debian package prometheus)");
  return path;
}

const dashboard = JSON.parse(readFileSync(join(DEPLOY, "grafana", "dashboards", "ratelimiter.json"), "utf8")) as { uid: string; panels: { title: string; targets: { expr: string }[] }[] };
const dashboardExprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
const alertsText = readFileSync(join(DEPLOY, "prometheus", "alerts.yml"), "utf8");

describe("deploy/", () => {
  test("promtool: the Prometheus config and its alert rules are valid, and the alerts fire as their unit tests say", async () => {
    const tool = promtool();
    const results = await Promise.all([
      run([tool, "check", "config", "prometheus/prometheus.yml"]),
      run([tool, "check", "rules", "prometheus/alerts.yml"]),
      run([tool, "test", "rules", "alerts.test.yml"], join(DEPLOY, "prometheus")),
    ]);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(results[1]!.output).toContain("SUCCESS: 6 rules found");
  }, 30_000);

  test("every dashboard query is valid PromQL (checked by promtool as recording rules)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "operator-dashboard-"));
    try {
      const rules = { groups: [{ name: "dashboard", rules: dashboardExprs.map((expr, i) => ({ record: `dashboard:panel_${i}`, expr })) }] };
      writeFileSync(join(dir, "dashboard-rules.yml"), JSON.stringify(rules));
      const result = await run([promtool(), "check", "rules", join(dir, "dashboard-rules.yml")]);
      expect([result.code, result.output]).toEqual([0, expect.stringContaining(`SUCCESS: ${dashboardExprs.length} rules found`)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  test("alerts and dashboard use only metrics the node exports", () => {
    const exported = new Set(Object.values(METRIC));
    const used = new Set([...`${alertsText}\n${dashboardExprs.join("\n")}`.matchAll(/\bratelimiter_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, "")));
    expect([...used].filter((name) => !exported.has(name as never))).toEqual([]);
    expect(used.size).toBeGreaterThanOrEqual(6);
  });

  test("the compose file: Redis, three nodes built from deploy/Dockerfile, Prometheus scraping each, Grafana provisioned, loadgen", async () => {
    const compose = Bun.YAML.parse(readFileSync(join(DEPLOY, "docker-compose.yml"), "utf8")) as { services: Record<string, any> };
    const nodes = ["node-a", "node-b", "node-c"];
    expect(Object.keys(compose.services).sort()).toEqual(["grafana", "loadgen", "node-a", "node-b", "node-c", "prometheus", "redis"]);
    for (const name of nodes) {
      const node = compose.services[name];
      expect(existsSync(join(DEPLOY, node.build.context, node.build.dockerfile))).toBe(true);
      expect([node.command.slice(0, 2), node.environment.RATELIMITER_REDIS_URL, node.environment.RATELIMITER_NODE_ID]).toEqual([["ratelimiter", "serve"], "redis://redis:6379", name.slice(-1)]);
    }
    const prometheus = Bun.YAML.parse(readFileSync(join(DEPLOY, "prometheus", "prometheus.yml"), "utf8")) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    expect(prometheus.scrape_configs[0]!.static_configs[0]!.targets).toEqual(nodes.map((n) => `${n}:8080`));
    const mounts = [...compose.services.prometheus.volumes, ...compose.services.grafana.volumes].map((v: string) => v.split(":")[0]!);
    expect(mounts.filter((m: string) => !existsSync(join(DEPLOY, m)))).toEqual([]);
    expect(compose.services.loadgen.command[0]).toBe("loadgen");
    expect(compose.services.redis.command).toContain("--appendonly");

    const docker = Bun.which("docker") && (await run(["docker", "compose", "version"])).code === 0;
    if (docker) {
      const config = await run(["docker", "compose", "-f", "docker-compose.yml", "config", "--quiet"]);
      expect([config.code, config.output]).toEqual([0, ""]);
    }
  }, 30_000);
});
