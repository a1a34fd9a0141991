// The rate-limiter node's HTTP API as a client sees it (DESIGN.md): paths and the admin header.

export const NODE_PATHS = {
  check: "/api/v1/check",
  health: "/health",
  node: "/api/v1/node",
  drain: "/api/v1/node/drain",
  metrics: "/metrics",
} as const;

export const adminHeaders = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
