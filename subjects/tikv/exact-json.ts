// JSON with uint64 ids kept exact: PD prints store, region and member ids (and heartbeat
// nanoseconds) as bare integers that can pass 2^53, where JSON.parse would round them.

const UNSAFE_RUN = /\d{16,}/;
const BIGINT_MARK = "\u0000bigint:";

/**
 * Parses JSON like JSON.parse, but an integer literal beyond Number.MAX_SAFE_INTEGER arrives as
 * its exact decimal text (a string) instead of a rounded number. Throws SyntaxError like JSON.parse.
 */
export function parseExactJson(text: string): unknown {
  if (!UNSAFE_RUN.test(text)) return JSON.parse(text);
  return JSON.parse(quoteUnsafeIntegers(text));
}

/** Wraps every unsafe integer literal outside strings in quotes, so JSON.parse keeps its digits. */
function quoteUnsafeIntegers(text: string): string {
  let out = "";
  let copiedTo = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = skipString(text, i);
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < text.length && /[0-9eE.+-]/.test(text[end]!)) end++;
      const token = text.slice(i, end);
      if (/^-?\d{16,}$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out += `${text.slice(copiedTo, i)}"${token}"`;
        copiedTo = end;
      }
      i = end;
      continue;
    }
    i++;
  }
  return out + text.slice(copiedTo);
}

/** The index just past the string literal that starts at `start` (a quote). */
function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  return i;
}

/** JSON text where bigint values become bare integer literals (PD reads ids as JSON numbers). */
export function stringifyExactJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? `${BIGINT_MARK}${v}` : v));
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, "$1");
}

/** An id as exact decimal text, from a JSON number or the string parseExactJson made of it. */
export function idText(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === "string" && /^\d+$/.test(value)) return value.replace(/^0+(?=\d)/, "");
  if (typeof value === "bigint" && value >= 0n) return value.toString();
  return undefined;
}
