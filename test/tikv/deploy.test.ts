// deploy/tikv: Prometheus' own checker accepts the config and its alert rules, the compose file is
// a 3 PD + 3 TiKV + Prometheus stack whose names agree with each other, and a compose CLI (when
// this machine has one; no Docker engine is needed for `config`) accepts it.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { STORE_QUERIES } from "../../subjects/tikv/promql.ts";

const DIR = join(import.meta.dir, "..", "..", "deploy", "tikv");

async function run(cmd: string[]) {
  const proc = Bun.spawn(cmd, { cwd: DIR, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { exitCode, out: stdout + stderr };
}

test("promtool accepts prometheus.yml and its 6 alert rules", async () => {
  const { exitCode, out } = await run(["promtool", "check", "config", "prometheus.yml"]);
  expect([exitCode, out.includes("SUCCESS: prometheus.yml is valid prometheus config file syntax"), out.includes("SUCCESS: 6 rules found")]).toEqual([0, true, true]);
});

test("Prometheus scrapes PD and every TiKV under the status address each TiKV advertises", async () => {
  const compose = Bun.YAML.parse(await Bun.file(join(DIR, "docker-compose.yml")).text()) as { services: Record<string, { image: string; command: string[]; ports?: string[]; volumes?: string[] }> };
  const prometheus = Bun.YAML.parse(await Bun.file(join(DIR, "prometheus.yml")).text()) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
  const services = compose.services;
  expect(Object.keys(services).sort()).toEqual(["pd1", "pd2", "pd3", "prometheus", "tikv1", "tikv2", "tikv3"]);
  const flag = (service: string, name: string) => services[service]!.command.find((c) => c.startsWith(`--${name}=`))?.split("=").slice(1).join("=");
  const targets = Object.fromEntries(prometheus.scrape_configs.map((j) => [j.job_name, j.static_configs.flatMap((s) => s.targets)]));
  expect(targets).toEqual({
    pd: ["pd1", "pd2", "pd3"].map((n) => flag(n, "advertise-client-urls")!.replace("http://", "")),
    tikv: ["tikv1", "tikv2", "tikv3"].map((n) => flag(n, "advertise-status-addr")!),
  });
  for (const n of ["tikv1", "tikv2", "tikv3"]) expect(flag(n, "pd-endpoints")).toBe("pd1:2379,pd2:2379,pd3:2379");
  for (const n of ["pd1", "pd2", "pd3"]) expect(flag(n, "initial-cluster")).toBe("pd1=http://pd1:2380,pd2=http://pd2:2380,pd3=http://pd3:2380");
  const published = Object.values(services).flatMap((s) => s.ports ?? []);
  expect(published.every((p) => p.startsWith("127.0.0.1:"))).toBe(true);
  expect(services.prometheus!.volumes).toEqual(["./prometheus.yml:/etc/prometheus/prometheus.yml:ro", "./tikv-alerts.yml:/etc/prometheus/tikv-alerts.yml:ro"]);
});

test("the alert rules use the invariants' PromQL, so a page and a ticket mean the same thing", async () => {
  const alerts = await Bun.file(join(DIR, "tikv-alerts.yml")).text();
  for (const query of STORE_QUERIES.filter((q) => q.key !== "channelFullPerSecond")) expect(alerts).toContain(query.promql);
});

test("a compose CLI accepts the file, when one is installed", async () => {
  const candidates = [["docker", "compose"], ["docker-compose"]];
  const clis: string[][] = [];
  for (const cli of candidates) {
    if (Bun.which(cli[0]!) && (await run([...cli, "version"])).exitCode === 0) clis.push(cli);
  }
  for (const cli of clis) {
    const { exitCode, out } = await run([...cli, "-f", "docker-compose.yml", "config", "-q"]);
    expect([cli.join(" "), exitCode, out.trim()]).toEqual([cli.join(" "), 0, ""]);
  }
  // Without any compose CLI the structural test above is the check; the report says which ran.
  console.error(`compose CLIs that checked deploy/tikv/docker-compose.yml: ${clis.map((c) => c.join(" ")).join(", ") || "none installed"}`);
}, 60_000);
