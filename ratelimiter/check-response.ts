// How a decision goes on the wire: 200 or 429, the JSON body, the legacy X-RateLimit-* headers and
// the IETF draft-10 RateLimit-Policy / RateLimit structured fields. Retry-After equals `t` on 429,
// so a client that honours either never retries early.
import type { Decision } from "./check.ts";

const ceilSeconds = (ms: number) => Math.ceil(ms / 1000);

export interface CheckResponder {
  respond(decision: Decision): Response;
}

export function createCheckResponder(defaults: { limit: number; windowMs: number }): CheckResponder {
  const policyHeader = (name: string, limit: number, windowMs: number) => `"${name}";q=${limit};w=${ceilSeconds(windowMs)}`;
  const defaultPolicy = policyHeader("default", defaults.limit, defaults.windowMs);

  return {
    respond(d) {
      const name = d.policy;
      const policy = name === "default" && d.limit === defaults.limit && d.windowMs === defaults.windowMs ? defaultPolicy : policyHeader(name, d.limit, d.windowMs);
      // reset_ms -1 (a counter without expiry) has no honest header value; the window is the best guess.
      const resetS = d.resetMs < 0 ? ceilSeconds(d.windowMs) : ceilSeconds(d.resetMs);
      const body: Record<string, unknown> = {
        allowed: d.allowed,
        key: d.key,
        limit: d.limit,
        remaining: d.remaining,
        reset_ms: d.resetMs,
        retry_after_ms: d.retryAfterMs,
        algorithm: d.algorithm,
        mode: d.mode,
      };
      if (d.blockReason !== undefined) {
        body.blocked = true;
        body.reason = d.blockReason;
      }
      // Response.json serializes natively: about twice as fast as new Response(JSON.stringify(...)).
      if (d.allowed) {
        return Response.json(body, {
          status: 200,
          headers: {
            "X-RateLimit-Limit": String(d.limit),
            "X-RateLimit-Remaining": String(d.remaining),
            "X-RateLimit-Reset": String(resetS),
            "RateLimit-Policy": policy,
            RateLimit: `"${name}";r=${d.remaining};t=${resetS}`,
          },
        });
      }
      const retryS = d.retryAfterMs < 0 ? resetS : Math.max(1, ceilSeconds(d.retryAfterMs));
      return Response.json(body, {
        status: 429,
        headers: {
          "X-RateLimit-Limit": String(d.limit),
          "X-RateLimit-Remaining": String(d.remaining),
          "X-RateLimit-Reset": String(resetS),
          "RateLimit-Policy": policy,
          RateLimit: `"${name}";r=${d.remaining};t=${retryS}`,
          "Retry-After": String(retryS),
        },
      });
    },
  };
}
