// The TiKV stack as docker compose runs it (deploy/tikv/docker-compose.yml): which services are PD,
// TiKV and Prometheus, where their ports are published, and the compose CLI that drives them.
import { readFileSync } from "node:fs";
import { OperatorError, unreachableError, usageError } from "../../lib/cli/errors.ts";

export interface ComposeTopology {
  pd: { service: string; url: string }[];
  tikv: { service: string }[];
  prometheusUrl: string | null;
}

export interface ComposeProject {
  /** Absolute path of the compose file. */
  file: string;
  /** `-p`: the compose project name, which prefixes the containers. */
  project: string;
  /** `["docker", "compose"]` (v2 plugin) or `["docker-compose"]` (v1). */
  cli: string[];
}

interface ComposeService {
  image?: string;
  ports?: (string | { target?: number; published?: number | string; host_ip?: string })[];
}

/** The host URL where a service's container port is published (`127.0.0.1:23791:2379` → http://127.0.0.1:23791). */
function publishedUrl(service: ComposeService, containerPort: number): string | null {
  for (const port of service.ports ?? []) {
    if (typeof port === "object") {
      if (port.target === containerPort && port.published) return `http://${port.host_ip || "127.0.0.1"}:${port.published}`;
      continue;
    }
    const parts = String(port).split(":");
    if (Number(parts.at(-1)) !== containerPort || parts.length < 2) continue;
    const host = parts.length === 3 ? parts[0] : "127.0.0.1";
    return `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${parts.at(-2)}`;
  }
  return null;
}

/** Reads the compose file: PD, TiKV and Prometheus services are told apart by their images. */
export function readTopology(file: string): ComposeTopology {
  let doc: { services?: Record<string, ComposeService> };
  try {
    doc = Bun.YAML.parse(readFileSync(file, "utf8")) as typeof doc;
  } catch (error) {
    throw usageError("bad_compose_file", `cannot read compose file ${file}: ${(error as Error).message}`, { cause: error });
  }
  const services = Object.entries(doc?.services ?? {});
  const byImage = (name: string) => services.filter(([, s]) => String(s.image ?? "").includes(name));
  const pd = byImage("pingcap/pd").map(([service, s]) => ({ service, url: publishedUrl(s, 2379) }));
  const unpublished = pd.filter((p) => !p.url).map((p) => p.service);
  if (pd.length === 0 || unpublished.length > 0) {
    throw usageError("bad_compose_file", `compose file ${file} must publish port 2379 of every PD service (pingcap/pd images)${unpublished.length ? `; not published: ${unpublished.join(", ")}` : ""}`);
  }
  const prometheus = byImage("prom/prometheus")[0];
  return {
    pd: pd.map((p) => ({ service: p.service, url: p.url! })),
    tikv: byImage("pingcap/tikv").map(([service]) => ({ service })),
    prometheusUrl: prometheus ? publishedUrl(prometheus[1], 9090) : null,
  };
}

async function exec(cmd: string[], timeoutMs: number, env?: Record<string, string | undefined>) {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore", timeout: timeoutMs, ...(env ? { env } : {}) });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode };
}

/** The first compose CLI that answers `version`: the v2 plugin, else docker-compose v1. */
export async function findComposeCli(env?: Record<string, string | undefined>): Promise<string[]> {
  for (const cli of [["docker", "compose"], ["docker-compose"]]) {
    if (!Bun.which(cli[0]!, env?.PATH ? { PATH: env.PATH } : undefined)) continue;
    if ((await exec([...cli, "version"], 10_000, env).catch(() => ({ exitCode: 1 }))).exitCode === 0) return cli;
  }
  throw usageError("no_compose", "the tikv cluster runs under docker compose: install Docker with the compose plugin (or docker-compose)");
}

/** Runs `compose -f FILE -p PROJECT args…`; a failure names the command and compose's last words. */
export async function compose(project: ComposeProject, args: string[], options: { timeoutMs?: number; env?: Record<string, string | undefined> } = {}): Promise<string> {
  const cmd = [...project.cli, "-f", project.file, "-p", project.project, ...args];
  const { stdout, stderr, exitCode } = await exec(cmd, options.timeoutMs ?? 120_000, options.env);
  if (exitCode === 0) return stdout;
  const said = (stderr || stdout).trim().split("\n").slice(-3).join(" / ");
  const shown = `${project.cli.join(" ")} ${args.join(" ")}`;
  // docker compose v2 and docker-compose v1 (Python: "Error while fetching server API version") say it their own way.
  if (/Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|Error while fetching server API version/i.test(said)) {
    throw unreachableError("docker_unreachable", `${shown}: Docker is not running here (${said}); start it, then retry`);
  }
  throw new OperatorError("compose_failed", `${shown} failed (exit ${exitCode}): ${said || "no output"}`, 1);
}
