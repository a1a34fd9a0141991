// operator ratelimiter: the rate-limiter service's commands (for now: serve).
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "ratelimiter", description: "The distributed rate limiter: run a node with `operator ratelimiter serve`." },
  subCommands: {
    serve: () => import("./ratelimiter-serve.ts").then((m) => m.default),
  },
});
