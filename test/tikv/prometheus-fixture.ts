// A real Prometheus (Debian's package) for the tikv tests, on a free loopback port, stopped by pid:
// either loaded with TiKV series through `promtool tsdb create-blocks-from openmetrics` and scraping
// nothing, or scraping the PD stand-in's TiKV page.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../fixtures/ports.ts";
import { advance, sampleLine, samplesOf, zeroCounters, type StoreProfile } from "./stand-in/tikv-series.ts";

export interface PrometheusServer extends AsyncDisposable {
  url: string;
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

/**
 * OpenMetrics text of each store's series, one sample every `stepS` from `fromS` to `toS` (Unix
 * seconds), counters growing with the profile's rates. Series are contiguous, as OpenMetrics wants.
 */
export function tikvOpenMetrics(profiles: StoreProfile[], fromS: number, toS: number, stepS = 15): string {
  const series = new Map<string, string[]>();
  for (const profile of profiles) {
    for (let t = fromS; t <= toS; t += stepS) {
      const counters = advance(zeroCounters(), profile, t - fromS);
      for (const sample of samplesOf(profile, counters)) {
        const key = sampleLine(sample).replace(/ [^ ]+$/, "");
        const lines = series.get(key) ?? [];
        lines.push(sampleLine(sample, t));
        series.set(key, lines);
      }
    }
  }
  const keys = [...series.keys()].sort();
  return `${keys.flatMap((k) => series.get(k)!).join("\n")}\n# EOF\n`;
}

async function run(cmd: string[]): Promise<string> {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}: ${stderr || stdout}`);
  return stdout;
}

/** Starts Prometheus on `dir`'s TSDB; `scrapeConfigs` is YAML for scrape_configs (default: none). */
export async function startPrometheus(options: { openMetrics?: string; scrapeConfigs?: string } = {}): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), "operator-prometheus-"));
  const data = join(dir, "data");
  if (options.openMetrics) {
    writeFileSync(join(dir, "series.om"), options.openMetrics);
    await run(["promtool", "tsdb", "create-blocks-from", "openmetrics", join(dir, "series.om"), data]);
  }
  const config = join(dir, "prometheus.yml");
  writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs: ${options.scrapeConfigs ?? "[]"}\n`);
  const port = await freePort();
  const proc = Bun.spawn(
    [
      "prometheus",
      `--config.file=${config}`,
      `--storage.tsdb.path=${data}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--storage.tsdb.retention.time=100y",
      "--log.level=warn",
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  const server: PrometheusServer = {
    url,
    pid: proc.pid,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      proc.kill("SIGTERM");
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]() {
      return server.stop();
    },
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) return server;
    await Bun.sleep(100);
  }
  const log = await new Response(proc.stderr).text().catch(() => "");
  await server.stop();
  throw new Error(`prometheus on port ${port} was not ready within 20 s: ${log.slice(-1500)}`);
}
