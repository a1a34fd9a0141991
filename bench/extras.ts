// Other helpers' benches (bench/loadgen.ts, bench/monitor.ts), run when present: each stays
// runnable alone and prints one JSON document, merged into the report under its own key.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { BenchSettings } from "./settings.ts";

const SIDECARS = ["loadgen", "monitor"] as const;
// Smaller sizes for BENCH_QUICK=1, unless the caller set them.
const QUICK_ENV: Record<string, string> = { MONITOR_BENCH_CYCLES: "10", MONITOR_BENCH_KEYS: "100000" };

export async function runSidecars(settings: BenchSettings): Promise<Record<string, unknown>> {
  const merged: Record<string, unknown> = {};
  for (const name of SIDECARS) {
    const script = join(settings.repoDir, "bench", `${name}.ts`);
    if (!existsSync(script)) continue;
    console.error(`bench: running bench/${name}.ts (its own figures, merged under "${name}")`);
    const proc = Bun.spawn(["bun", script], {
      cwd: settings.repoDir,
      stdout: "pipe",
      stderr: "inherit",
      stdin: "ignore",
      env: { ...(settings.quick ? QUICK_ENV : {}), ...process.env, BENCH_QUICK: settings.quick ? "1" : "0" },
    });
    const [stdout, exitCode] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    try {
      merged[name] = JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
    } catch {
      merged[name] = { error: `bench/${name}.ts exited ${exitCode} without one JSON document on stdout` };
    }
  }
  return merged;
}
