// GET /api/v1/events: Server-Sent Events tailing the journal by id. Each event's `id` is its journal
// id, so a client that reconnects with Last-Event-ID resumes where it left off and misses nothing.
// The stream re-checks its caller every tick: revoking the token or ending the session closes it.
import type { Context } from "hono";
import { httpError } from "../lib/cli/errors.ts";
import { lastJournalId, readJournal, type JournalEntry } from "../lib/state/journal.ts";
import type { State } from "../lib/state/state.ts";
import type { Caller } from "./auth.ts";
import { isTokenActive, sessionFor } from "./token-store.ts";

/** How often the journal is read: "live" to a person, a few cheap queries a second. */
export const EVENTS_POLL_MS = 250;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
const BATCH = 200;

const frame = (e: JournalEntry) =>
  `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify({ id: e.id, type: e.type, at: new Date(e.at).toISOString(), subject: e.subject ?? null, incident_id: e.incidentId ?? null, ...e.payload })}\n\n`;

function startAfter(c: Context, state: State): number {
  const text = c.req.header("last-event-id") ?? c.req.query("last_event_id");
  if (text === undefined || text === "") return lastJournalId(state);
  if (!/^\d{1,15}$/.test(text)) throw httpError(400, "invalid_last_event_id", `Last-Event-ID "${text}" is not an event id this stream sent`);
  return Number(text);
}

export function eventStream(c: Context, state: State, caller: Caller, now: () => number): Response {
  let after = startAfter(c, state);
  const stillAllowed = () => {
    try {
      if (caller.sessionId !== undefined) sessionFor(state, caller.sessionId, now());
      else if (!isTokenActive(state, caller.name, now())) return false;
      return true;
    } catch {
      return false;
    }
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const encoder = new TextEncoder();
      let lastWrite = Date.now();
      const send = (text: string) => {
        controller.enqueue(encoder.encode(text));
        lastWrite = Date.now();
      };
      const stop = () => {
        clearInterval(timer);
        try {
          controller.close();
        } catch {
          // already closed by the client going away
        }
      };
      // The ready frame carries the starting id too: a client that reconnects before any event
      // resumes from here rather than from whatever is newest then.
      send(`retry: 2000\nid: ${after}\nevent: ready\ndata: ${JSON.stringify({ last_event_id: after })}\n\n`);
      const tick = () => {
        if (!stillAllowed()) return stop();
        for (let more = true; more; ) {
          const entries = readJournal(state, { afterId: after, limit: BATCH });
          for (const e of entries) send(frame(e));
          if (entries.length > 0) after = entries.at(-1)!.id;
          more = entries.length === BATCH;
        }
        if (Date.now() - lastWrite > KEEPALIVE_MS) send(": keepalive\n\n");
      };
      tick();
      timer = setInterval(() => {
        try {
          tick();
        } catch {
          stop();
        }
      }, EVENTS_POLL_MS);
    },
    cancel() {
      clearInterval(timer);
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" } });
}
