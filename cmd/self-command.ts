// How to start "this same binary" as another process: the compiled executable alone, or Bun
// running cmd/main.ts when we run from source.
import { join } from "node:path";

export function selfCommand(): string[] {
  const compiled = import.meta.path.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/.test(import.meta.path);
  return compiled ? [process.execPath] : [process.execPath, join(import.meta.dir, "main.ts")];
}
