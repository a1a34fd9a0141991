// Sizes as a person types them (`16MiB`, `2GiB`, `512KiB`, or plain bytes), bytes from the first parse on.
import * as v from "valibot";
import type { TextSchema } from "../../lib/cli/config.ts";

const UNIT_BYTES: Record<string, number> = { "": 1, b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3 };
const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** Bytes for `text`, or undefined when it is not a size. */
export function parseByteSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  const unit = match ? UNIT_BYTES[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) return undefined;
  const bytes = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** `24 KiB`, `8 MiB`, `7.5 MiB`: for people, never parsed back. */
export const formatSize = (bytes: number) =>
  bytes < 1024 ** 2 ? `${Math.round(bytes / 1024)} KiB` : `${(bytes / 1024 ** 2).toFixed(bytes % 1024 ** 2 === 0 ? 0 : 1)} MiB`;

export const ByteSize: TextSchema<number> = v.pipe(
  v.string(),
  v.transform((s) => parseByteSize(s) ?? Number.NaN),
  v.check((n) => !Number.isNaN(n), "is not a size: use 16MiB, 2GiB or a number of bytes"),
);
