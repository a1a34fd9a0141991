// Runs at build time (a Bun macro): bundles the page's TypeScript for the browser and reads its
// HTML and CSS, returning plain strings that the compiler inlines into the binary.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export function bundlePage(): { html: string; js: string; css: string } {
  // Bun.build cannot run inside a macro while the bundler waits for it: the CLI can.
  const built = Bun.spawnSync([process.execPath, "build", join(import.meta.dir, "main.ts"), "--target=browser", "--format=esm", "--minify"], { stdout: "pipe", stderr: "pipe", env: { ...process.env, BUN_BE_BUN: "1" } });
  if (built.exitCode !== 0) throw new Error(`the console page did not build: ${built.stderr.toString()}`);
  const read = (name: string) => readFileSync(join(import.meta.dir, name), "utf8");
  return { html: read("index.html"), js: built.stdout.toString(), css: read("style.css") };
}
