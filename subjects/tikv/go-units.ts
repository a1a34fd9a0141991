// The text forms PD's Go code prints: byte sizes (docker/go-units) and time.Duration strings.

const BYTE_UNITS: Record<string, number> = {
  "": 1, b: 1,
  k: 2 ** 10, kb: 2 ** 10, kib: 2 ** 10,
  m: 2 ** 20, mb: 2 ** 20, mib: 2 ** 20,
  g: 2 ** 30, gb: 2 ** 30, gib: 2 ** 30,
  t: 2 ** 40, tb: 2 ** 40, tib: 2 ** 40,
  p: 2 ** 50, pb: 2 ** 50, pib: 2 ** 50,
  e: 2 ** 60, eb: 2 ** 60, eib: 2 ** 60,
};
const BYTE_SIZE = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i;

/**
 * Bytes for a PD size: `"465.6GiB"` (PD ≥ 4), `"39 GiB"` (PD 3.x, with a space), or a bare number.
 * PD's ByteSize reads `GB` and `GiB` alike as powers of 1024 (units.RAMInBytes), so this does too.
 */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const match = BYTE_SIZE.exec(value);
  if (!match) return undefined;
  const unit = BYTE_UNITS[match[2]!.toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(match[1]) * unit);
}

/** The go-units rendering PD uses (`29.85MiB`), for the stand-in and for evidence a person reads. */
export function formatByteSize(bytes: number, options: { spaced?: boolean } = {}): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let size = bytes;
  let i = 0;
  while (size >= 1024 && i < units.length - 1) {
    size /= 1024;
    i++;
  }
  const digits = Number(size.toPrecision(4)).toString();
  return options.spaced ? `${Math.round(size)} ${units[i]}` : `${digits}${units[i]}`;
}

const DURATION_UNIT_MS: Record<string, number> = {
  ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000,
};
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Milliseconds for a Go duration (`"1h2m3.5s"`, `"48m51.093351s"`, `"30m0s"`, `"0s"`, `"-1m"`). */
export function parseGoDurationMs(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  let text = value.trim();
  let sign = 1;
  if (text.startsWith("-") || text.startsWith("+")) {
    sign = text.startsWith("-") ? -1 : 1;
    text = text.slice(1);
  }
  if (text === "0") return 0;
  if (text === "") return undefined;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const match = DURATION_PART.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * DURATION_UNIT_MS[match[2]!]!;
  }
  return sign * total;
}

/** Go's rendering of a duration in whole seconds: 1800000 → `30m0s`. */
export function formatGoDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
