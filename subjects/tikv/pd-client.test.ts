// What PD (or something in its place) answers when it is not well: every answer is a typed error
// that says what happened, or an error entry in the observation; never a crash or a hang.
import { afterAll, expect, test } from "bun:test";
import { freePort } from "../../test/fixtures/ports.ts";
import { invariants } from "./invariants.ts";
import { observeCluster } from "./observe.ts";
import { PdClient } from "./pd-client.ts";
import { PdError } from "./pd-http.ts";
import { PrometheusClient } from "./prometheus-client.ts";

const hold = Promise.withResolvers<void>();
const routes: Record<string, () => Response | Promise<Response>> = {
  "/pd/api/v1/store/7": () => Response.json("[PD:core:ErrStoreNotFound]store id 7 not found", { status: 404 }),
  "/pd/api/v1/stores": () => Response.json("[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped, please start TiKV first", { status: 500 }),
  "/pd/api/v1/regions/check/down-peer": () => new Response("<html><body>502 Bad Gateway</body></html>", { status: 200 }),
  "/pd/api/v1/regions/check/miss-peer": () => Response.json({ count: 1, regions: [{ id: "not-an-id" }] }),
  // Chunked, no content-length: the limit must hold while reading.
  "/pd/api/v1/regions/check/pending-peer": () =>
    new Response(
      new ReadableStream({
        pull(controller) {
          controller.enqueue(new TextEncoder().encode('{"count":0,"regions":[' + "1,".repeat(600)));
        },
      }),
    ),
  "/pd/api/v1/regions/check/offline-peer": () => new Response(`{"count":0,"regions":[${"1,".repeat(2_000)}1]}`),
  "/pd/api/v1/members": async () => {
    await hold.promise;
    return Response.json({});
  },
  "/pd/api/v1/operators": () => Response.json(["admin-transfer-leader {transfer leader: store 1 to 4} (kind:admin,leader, region:2(15, 1))"]),
};
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (req) => routes[new URL(req.url).pathname]?.() ?? new Response("404 page not found\n", { status: 404 }),
});
const live = `http://127.0.0.1:${server.port}`;
afterAll(async () => {
  hold.resolve();
  await server.stop(true);
});

const client = (urls: string[], options: { timeoutMs?: number; maxBodyBytes?: number } = {}) =>
  new PdClient({ urls, timeoutMs: options.timeoutMs ?? 2_000, maxBodyBytes: options.maxBodyBytes });

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e) => e,
  );
  expect(error).toBeInstanceOf(PdError);
  const e = error as PdError;
  return { kind: e.kind, exitCode: e.exitCode, status: e.details.httpStatus ?? null, retryable: e.isRetryable, message: e.message };
}

test("a JSON-string error with 404 is an input error carrying PD's own words", async () => {
  expect(await failure(client([live]).store("7"))).toEqual({
    kind: "http",
    exitCode: 2,
    status: 404,
    retryable: false,
    message: `PD at ${live} answered 404 to GET /pd/api/v1/store/7: [PD:core:ErrStoreNotFound]store id 7 not found`,
  });
});

test("a 500 says PD is unhealthy and a retry may help", async () => {
  const f = await failure(client([live]).stores());
  expect([f.kind, f.exitCode, f.status, f.retryable]).toEqual(["http", 1, 500, true]);
  expect(f.message).toContain("TiKV cluster not bootstrapped");
});

test("garbage and wrong shapes are bad responses, quoting what came", async () => {
  const garbage = await failure(client([live]).regionCheck("down-peer"));
  expect([garbage.kind, garbage.message]).toEqual(["bad_response", `PD at ${live} answered GET /pd/api/v1/regions/check/down-peer with a body that is not JSON: <html><body>502 Bad Gateway</body></html>`]);
  const shape = await failure(client([live]).regionCheck("miss-peer"));
  expect([shape.kind, shape.message]).toEqual(["bad_response", 'PD answered /regions/check/miss-peer with an unexpected shape: region id is not an id: "not-an-id"']);
});

test("a body over the limit is refused, not buffered: declared or streamed without end", async () => {
  const declared = await failure(client([live], { maxBodyBytes: 1_000 }).regionCheck("offline-peer"));
  expect([declared.kind, declared.message]).toEqual(["too_large", `PD at ${live}: answer of 4025 bytes is over the 1000-byte limit (GET /pd/api/v1/regions/check/offline-peer)`]);
  const streamed = await failure(client([live], { maxBodyBytes: 1_000 }).regionCheck("pending-peer"));
  expect([streamed.kind, streamed.message]).toEqual(["too_large", `PD at ${live}: answer is over the 1000-byte limit (GET /pd/api/v1/regions/check/pending-peer)`]);
});

test("a PD that does not answer in time is a timeout (exit 3), not a hang", async () => {
  const f = await failure(client([live], { timeoutMs: 150 }).members());
  expect([f.kind, f.exitCode, f.message]).toEqual(["timeout", 3, `PD at ${live} did not answer GET /pd/api/v1/members within 150 ms`]);
});

test("a dead endpoint is skipped for the next one; all dead is unreachable", async () => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  expect(await client([dead, live]).operators()).toEqual(["admin-transfer-leader {transfer leader: store 1 to 4} (kind:admin,leader, region:2(15, 1))"]);
  const f = await failure(client([dead]).operators());
  expect([f.kind, f.exitCode]).toEqual(["unreachable", 3]);
  expect(f.message).toStartWith(`PD at ${dead} is unreachable (GET /pd/api/v1/operators): `);
});

test("an observation of a sick PD records each failure and pd_unhealthy names them", async () => {
  const pd = client([live], { timeoutMs: 2_000, maxBodyBytes: 1_000 });
  const observation = await observeCluster({ pd, prometheus: null, now: () => 1_000 });
  expect(observation.stores).toBeNull();
  expect(observation.errors.map((e) => e.source).sort()).toEqual([
    "pd /health",
    "pd /members",
    "pd /regions/check/down-peer",
    "pd /regions/check/miss-peer",
    "pd /regions/check/pending-peer",
    "pd /schedulers",
    "pd /schedulers?status=paused",
    "pd /stores",
  ]);
  const violations = invariants.flatMap((i) => i.check(observation, 1_000));
  expect(violations.map((v) => `${v.invariant}:${v.resource}`)).toEqual(["pd_unhealthy:pd"]);
  expect(violations[0]!.message).toBe(
    "PD has no leader; failing calls: /members, /health, /stores, /regions/check/down-peer, /regions/check/miss-peer, /regions/check/pending-peer, /schedulers, /schedulers?status=paused",
  );
});

test("an observation where no PD answers at all is an unreachable error (exit 3) naming the flag", async () => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const error = await observeCluster({ pd: client([dead]), prometheus: null, now: Date.now }).catch((e) => e);
  expect([error.code, error.exitCode]).toEqual(["pd_unreachable", 3]);
  expect(error.message).toEndWith("check --pd-url (env OPERATOR_PD_URL)");
});

test("a password in a PD or Prometheus URL never reaches a message or the observation", async () => {
  const dead = `http://ops:hunter2@127.0.0.1:${await freePort()}`;
  const pd = client([`http://ops:hunter2@127.0.0.1:${server.port}`, dead], { timeoutMs: 2_000 });
  const prometheus = new PrometheusClient({ url: dead, timeoutMs: 2_000 });
  const observation = await observeCluster({ pd, prometheus, now: () => 1_000 });
  const shown = JSON.stringify([observation, invariants.flatMap((i) => i.check(observation, 1_000))]);
  expect([shown.includes("hunter2"), shown.includes("ops:***@127.0.0.1")]).toEqual([false, true]);
  const f = await failure(client([dead]).stores());
  expect([f.message.includes("hunter2"), f.message.startsWith(`PD at http://ops:***@127.0.0.1:`)]).toEqual([false, true]);
});
