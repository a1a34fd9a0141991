// A stand-in for a PD cluster (PD and TiKV cannot run here): three PD members, each on its own
// loopback port (port 0), serving PD's real wire format from a scripted cluster that follows
// faults (`docker stop tikv1` → `store_stop`) and actions. Test tree only, never the product.
import type { Server } from "bun";
import { ClusterModel, type ModelOptions } from "./stand-in/cluster-model.ts";
import { FAULT_NAMES, injectFault, revertFault, type Fault } from "./stand-in/faults.ts";
import { handlePd, type SizeFormat } from "./stand-in/pd-routes.ts";
import { renderTikvMetrics } from "./stand-in/tikv-metrics.ts";

export interface StandInOptions extends ModelOptions {
  /** `modern` prints `"465.6GiB"`, `legacy` PD 3.x's `"39 GiB"`. */
  sizeFormat?: SizeFormat;
}

export interface PdStandIn extends AsyncDisposable {
  /** pd1's client URL. */
  url: string;
  /** Every member's client URL, comma-joined as `--pd-url` takes them. */
  urls: string[];
  model: ClusterModel;
  inject(fault: Fault): Promise<void>;
  revert(fault: Fault): Promise<void>;
  /** The store id of a TiKV by name (`tikv1`), as scenarios name them. */
  storeId(name: string): string;
  stop(): Promise<void>;
}

/** Starts the members. Control routes (for a chaos engine in another process): POST/DELETE /stand-in/faults `{name, params}`. */
export async function startPdStandIn(options: StandInOptions = {}): Promise<PdStandIn> {
  const model = new ClusterModel(options);
  const sizes = options.sizeFormat ?? "modern";
  const servers = new Map<string, Server<undefined>>();
  const ports = new Map<string, number>();
  const urls = new Map<string, string>();

  const hung = new Set<string>();
  const release = Promise.withResolvers<void>();
  const fetchHandler = async (req: Request, server: Server<undefined>): Promise<Response> => {
    const path = new URL(req.url).pathname;
    const member = [...servers].find(([, s]) => s === server)?.[0];
    if (member && hung.has(member) && path !== "/stand-in/faults") {
      await release.promise;
      return new Response(null, { status: 503 });
    }
    if (path === "/stand-in/faults") return control(req);
    if (path === "/stand-in/tikv-metrics") return new Response(renderTikvMetrics(model), { headers: { "content-type": "text/plain; version=0.0.4" } });
    return handlePd(model, req, urls, sizes);
  };

  const listen = (name: string, port: number) => {
    const server = Bun.serve({ hostname: "127.0.0.1", port, fetch: fetchHandler });
    servers.set(name, server);
    ports.set(name, server.port!);
    urls.set(name, `http://127.0.0.1:${server.port}`);
  };
  const setMemberUp = async (name: string, up: boolean) => {
    const member = model.members.find((m) => m.name === name);
    if (!member) throw new Error(`the stand-in has no PD member "${name}"`);
    member.up = up;
    const server = servers.get(name);
    if (!up && server) {
      await server.stop(true);
      servers.delete(name);
    } else if (up && !server) {
      listen(name, ports.get(name)!);
    }
  };
  const setMemberHung = (name: string, isHung: boolean) => {
    const member = model.members.find((m) => m.name === name);
    if (!member) throw new Error(`the stand-in has no PD member "${name}"`);
    // The others' health checks of a hung member time out: PD reports it unhealthy.
    member.up = !isHung;
    if (isHung) hung.add(name);
    else hung.delete(name);
  };
  const effects = { setMemberUp, setMemberHung };

  async function control(req: Request): Promise<Response> {
    const fault = (await req.json().catch(() => null)) as Fault | null;
    if (!fault || typeof fault.name !== "string") return Response.json({ error: "bad_fault", message: `send {name, params}; names: ${FAULT_NAMES.join(", ")}` }, { status: 400 });
    try {
      await (req.method === "DELETE" ? revertFault : injectFault)(model, effects, { name: fault.name, params: fault.params ?? {} });
      return Response.json({ ok: true, fault });
    } catch (error) {
      return Response.json({ error: "bad_fault", message: (error as Error).message }, { status: 400 });
    }
  }

  for (const member of model.members) listen(member.name, 0);
  let stopped = false;
  const standIn: PdStandIn = {
    url: urls.get("pd1")!,
    urls: model.members.map((m) => urls.get(m.name)!),
    model,
    inject: (fault) => injectFault(model, effects, fault),
    revert: (fault) => revertFault(model, effects, fault),
    storeId: (name) => model.store(name).id,
    async stop() {
      if (stopped) return;
      stopped = true;
      release.resolve();
      await Promise.all([...servers.values()].map((s) => s.stop(true)));
      servers.clear();
    },
    [Symbol.asyncDispose]() {
      return standIn.stop();
    },
  };
  return standIn;
}
