// The one logger: consola with both streams on stderr, so stdout stays the command's output.
import { createConsola, type ConsolaInstance } from "consola";

export const log: ConsolaInstance = createConsola({
  stdout: process.stderr,
  stderr: process.stderr,
  level: 3,
  formatOptions: { date: false, colors: process.stderr.isTTY === true },
});

export function setLogLevel(options: { debug?: boolean; quiet?: boolean }): void {
  log.level = options.debug ? 4 : options.quiet ? 1 : 3;
}
