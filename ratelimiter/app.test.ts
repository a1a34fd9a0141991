// The one error renderer: a bug becomes a logged, generic 500 (no stack, no detail on the wire).
import { expect, test } from "bun:test";
import { createApp, type NodeContext } from "./app.ts";

test("an unknown error is logged with its stack and answered with a generic 500", async () => {
  const logged: string[] = [];
  const node = {
    nodeId: "n",
    info() {
      throw new TypeError("cannot read properties of undefined (secret detail)");
    },
    log: { info() {}, warn() {}, error: (message: string) => logged.push(message) },
  } as unknown as NodeContext;
  const response = await createApp(node).request("/api/v1/node");
  expect(response.status).toBe(500);
  expect(await response.json()).toEqual({ error: "internal", message: "internal error: the node logged it" });
  expect(logged).toHaveLength(1);
  expect(logged[0]).toStartWith("internal error on GET /api/v1/node: TypeError: cannot read properties of undefined (secret detail)");
  expect(logged[0]).toContain("app.test.ts");
});
