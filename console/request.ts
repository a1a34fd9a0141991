// What a request carries, read once at the edge: a JSON body through its valibot schema, paging
// (`limit`, `cursor`), ids and filters. Every bad value is a 400 that names the field and the fix.
import type { Context } from "hono";
import * as v from "valibot";
import { httpError } from "../lib/cli/errors.ts";
import { parseDurationMs } from "../lib/cli/duration.ts";

/** Larger than any decision's reason a person types; small enough that no body can hurt. */
export const MAX_BODY_BYTES = 16 * 1024;

const Why = v.pipe(v.string("must be text"), v.trim(), v.nonEmpty("must not be empty"), v.maxLength(2_000, "must be at most 2000 characters"));
export const WhyBody = v.object({ why: Why });
export const OptionalWhyBody = v.object({ why: v.optional(Why) });
export const ModeBody = v.object({ mode: v.picklist(["observe", "execute"], "must be observe or execute"), why: Why });

export async function readBody<T extends v.GenericSchema>(c: Context, schema: T): Promise<v.InferOutput<T>> {
  const text = await c.req.text();
  let body: unknown;
  try {
    body = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw httpError(400, "invalid_json", "the body is not JSON: send e.g. {\"why\": \"...\"} with Content-Type: application/json");
  }
  const parsed = v.safeParse(schema, body);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = v.getDotPath(issue) ?? "body";
    throw httpError(400, "invalid_body", `${path} ${issue.message}`);
  }
  return parsed.output;
}

export function idParam(c: Context, what: string): number {
  const text = c.req.param("id") ?? "";
  if (!/^\d{1,15}$/.test(text)) throw httpError(400, "invalid_id", `${what} id ${JSON.stringify(text)} is not a number`);
  return Number(text);
}

export function oneOf<T extends string>(c: Context, name: string, choices: readonly T[]): T | undefined {
  const value = c.req.query(name);
  if (value === undefined || value === "") return undefined;
  if (!(choices as readonly string[]).includes(value)) throw httpError(400, "invalid_query", `${name} "${value}" must be one of ${choices.join(", ")}`);
  return value as T;
}

export interface PageRequest {
  limit: number;
  /** Items with an id below this; undefined: from the newest. */
  before: number | undefined;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

export function pageRequest(c: Context): PageRequest {
  const limitText = c.req.query("limit");
  const cursor = c.req.query("cursor");
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  if (!/^\d+$/.test(limitText ?? "1") || limit < 1 || limit > MAX_LIMIT) throw httpError(400, "invalid_query", `limit "${limitText}" must be an integer from 1 to ${MAX_LIMIT}`);
  if (cursor !== undefined && !/^\d{1,15}$/.test(cursor)) throw httpError(400, "invalid_query", `cursor "${cursor}" is not one this API gave: pass next_cursor from the previous page`);
  return { limit, before: cursor === undefined ? undefined : Number(cursor) };
}

/** One page of items sorted newest (highest id) first, and the cursor of the next page (null at the end). */
export function pageOf<T extends { id: number }>(items: T[], page: PageRequest): { items: T[]; nextCursor: string | null } {
  const after = page.before === undefined ? items : items.filter((i) => i.id < page.before!);
  const slice = after.slice(0, page.limit);
  return { items: slice, nextCursor: after.length > page.limit ? String(slice.at(-1)!.id) : null };
}

/** `?since=` as an ISO time or a duration back from now (`1h`, `30m`). */
export function sinceQuery(c: Context, now: number): number | undefined {
  const text = c.req.query("since");
  if (text === undefined || text === "") return undefined;
  const back = parseDurationMs(text);
  if (back !== undefined) return now - back;
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw httpError(400, "invalid_query", `since "${text}" is neither a time (2026-01-01T10:00:00Z) nor a duration back from now (1h, 30m)`);
  return at;
}
