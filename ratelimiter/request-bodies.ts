// What the HTTP API accepts: bodies read with an 8 KiB cap, keys checked, JSON passed through
// valibot schemas; the first issue becomes one 400 that names the field and the fix.
import * as v from "valibot";
import { httpError } from "../lib/cli/errors.ts";
import { ALGORITHMS } from "./options.ts";

export const MAX_BODY_BYTES = 8 * 1024;
export const MAX_KEY_BYTES = 256;
export const MAX_COST = 10_000;
export const MAX_LIMIT = 1_000_000_000;
export const MAX_WINDOW_MS = 30 * 86_400_000;

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const encoder = new TextEncoder();
// A UTF-16 unit is at most 3 UTF-8 bytes: short keys skip the byte count.
const byteLength = (s: string) => (s.length * 3 <= MAX_KEY_BYTES ? s.length : encoder.encode(s).length);

/** The reason `key` is not a usable key, or undefined when it is. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return "must not be empty";
  if (byteLength(key) > MAX_KEY_BYTES) return `must be at most ${MAX_KEY_BYTES} bytes (UTF-8)`;
  if (CONTROL_CHARACTER.test(key)) return "must not contain control characters";
  return undefined;
}

/** A key from a URL path: the same rules as in a body. */
export function pathKey(key: string): string {
  const problem = keyProblem(key);
  if (problem) throw httpError(400, "invalid_key", `key in the path ${problem}`);
  return key;
}

const required = (type: string) => (issue: v.BaseIssue<unknown>) => (issue.received === "undefined" ? "is required" : `must be ${type}, not ${issue.received}`);

const Key = v.pipe(
  v.string(required("a string")),
  v.rawCheck(({ dataset, addIssue }) => {
    const problem = dataset.typed ? keyProblem(dataset.value) : undefined;
    if (problem) addIssue({ message: problem });
  }),
);

const integerIn = (min: number, max: number) =>
  v.pipe(v.number(required("a number")), v.integer("must be an integer"), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));

// valibot takes arrays for objects and reports a missing key with the object's message: both fixed here.
const object = <T extends v.ObjectEntries>(entries: T) =>
  v.pipe(
    v.custom<Record<string, unknown>>((value) => typeof value === "object" && value !== null && !Array.isArray(value), "must be a JSON object"),
    v.object(entries, (issue) => (issue.path?.length ? "is required" : "must be a JSON object")),
  );

export const CheckBody = object({ key: Key, cost: v.optional(integerIn(1, MAX_COST), 1) });

export const LimitBody = object({
  limit: integerIn(1, MAX_LIMIT),
  window_ms: integerIn(1, MAX_WINDOW_MS),
  algorithm: v.optional(v.picklist(ALGORITHMS, `must be one of ${ALGORITHMS.join(", ")}`)),
});

export const BlockBody = object({
  ttl_ms: v.optional(integerIn(1, MAX_WINDOW_MS)),
  reason: v.optional(v.pipe(v.string(required("a string")), v.maxLength(256, "must be at most 256 characters"))),
});

export const DrainBody = object({ drain: v.boolean(required("true or false")) });

/**
 * CheckBody on the hot path: the common valid shape passes without valibot; anything else goes
 * through the schema, which words the error. Accepts exactly what CheckBody accepts (tested).
 */
export function parseCheckBody(body: unknown): { key: string; cost: number } {
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    const { key, cost } = body as { key?: unknown; cost?: unknown };
    if (typeof key === "string" && keyProblem(key) === undefined) {
      if (cost === undefined) return { key, cost: 1 };
      if (typeof cost === "number" && Number.isInteger(cost) && cost >= 1 && cost <= MAX_COST) return { key, cost };
    }
  }
  return parseBody(CheckBody, body);
}

/** The body as `schema` types it, or a 400 naming the first wrong field. */
export function parseBody<S extends v.GenericSchema>(schema: S, body: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, body);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = v.getDotPath(issue);
  const code = path === "key" ? "invalid_key" : "invalid_body";
  throw httpError(400, code, path ? `${path} ${issue.message}` : `request body ${issue.message}`);
}

/**
 * The JSON body of `request`: 413 past 8 KiB (checked on Content-Length before reading, and while
 * reading a chunked body), 400 when it is not JSON. `emptyAs` is what an empty body means, if allowed.
 */
export async function readJson(request: Request, emptyAs?: unknown): Promise<unknown> {
  const length = request.headers.get("content-length");
  if (length !== null && Number(length) > MAX_BODY_BYTES) throw tooLarge(`${length} bytes`);
  if (length !== null && length !== "0") {
    // Parsed natively from the bytes: no intermediate string on the hot path.
    try {
      return await request.json();
    } catch {
      throw httpError(400, "invalid_json", 'request body is not valid JSON: send JSON such as {"key":"user:42"}');
    }
  }
  const text = length !== null ? "" : await readCapped(request);
  if (text.length === 0) {
    if (emptyAs !== undefined) return emptyAs;
    throw httpError(400, "invalid_json", 'request body is empty: send JSON such as {"key":"user:42"}');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw httpError(400, "invalid_json", 'request body is not valid JSON: send JSON such as {"key":"user:42"}');
  }
}

const tooLarge = (size: string) => httpError(413, "body_too_large", `request body is ${size}: the limit is ${MAX_BODY_BYTES} bytes (8 KiB)`);

async function readCapped(request: Request): Promise<string> {
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body) {
    total += chunk.byteLength;
    if (total > MAX_BODY_BYTES) throw tooLarge("over the limit");
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
