// `make bench`: our node per algorithm against its references, all measured in this run on
// this machine, on one private redis-server. JSON on stdout (and bench/results/latest.json),
// a table on stderr. BENCH_QUICK=1 for a smoke test; BENCH_RUNS (default 3), BENCH_DURATION
// (seconds per wrk measurement), BENCH_ALGORITHMS (comma list), BENCH_BINARY (./operator),
// BENCH_OPEN_LOOP=bench (use bench/open-loop.ts even when operator loadgen exists), BENCH_EXTRAS=0
// (skip bench/loadgen.ts and bench/monitor.ts).
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { startRedis, type RedisServer } from "../test/fixtures/redis.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fallbackDecisions, hasOurNode, nodeCounts, nodeScript, ourScriptSources, oursCommand, peerCommand, PEERS, type NodeScript } from "./contenders.ts";
import { runSidecars } from "./extras.ts";
import { describeMachine } from "./machine.ts";
import { benchOpenLoopClient, chooseOpenLoopClient, measureOpenLoop, measureSaturation, type OpenLoopClient } from "./measure.ts";
import { startServer, stopEverything, stopOnExit } from "./processes.ts";
import { memoryMb } from "./proc-stats.ts";
import { captureScriptCall, runRedisBenchmark, type ScriptCall } from "./redis-ceiling.ts";
import { readSettings, type Algorithm, type BenchSettings } from "./settings.ts";
import { buildReport, type StartSamples } from "./report.ts";
import { round } from "./stats.ts";
import type { RunSample } from "./summary.ts";
import { renderTable } from "./table.ts";

const benchStartedAt = performance.now();
const log = (message: string) => console.error(`bench: [${Math.round((performance.now() - benchStartedAt) / 1000)}s] ${message}`);

const PEER_D = PEERS.find((peer) => peer.id === "bun_ioredis_gcra")!;

/** Peers (b), (c), (e); (d) too when our node is absent (then with its own GCRA script). */
async function measurePeers(run: RunSample, settings: BenchSettings, redis: RedisServer, client: OpenLoopClient, withD: boolean): Promise<void> {
  for (const peer of PEERS) {
    if (peer === PEER_D && !withD) continue;
    const server = await startServer(peer.id, peerCommand(peer, settings, redis.url), { cwd: settings.repoDir });
    try {
      log(`${peer.label}: saturation`);
      const saturation = await measureSaturation(server, redis, settings);
      const memory = memoryMb(server.pid);
      const openLoop = peer.openLoop ? await measureOpenLoop(server, redis, settings, client) : null;
      run.peers[peer.id] = { saturation, openLoop, memoryMb: memory };
    } finally {
      await server.stop();
    }
  }
}

/** Peer (d) running `algorithm`'s own script, the node's text unchanged: like with like. */
async function measurePeerD(run: RunSample, settings: BenchSettings, redis: RedisServer, client: OpenLoopClient, script: NodeScript): Promise<void> {
  const server = await startServer(`${PEER_D.id} ${script.algorithm}`, peerCommand(PEER_D, settings, redis.url, script), { cwd: settings.repoDir });
  try {
    log(`${PEER_D.label} (${script.algorithm}): saturation`);
    const saturation = await measureSaturation(server, redis, settings);
    const memory = memoryMb(server.pid);
    // The open loop once per run, with the first algorithm's script.
    const openLoop = run.peers[PEER_D.id] ? null : await measureOpenLoop(server, redis, settings, client);
    run.peerD[script.algorithm] = { saturation, openLoop, memoryMb: memory };
    run.peers[PEER_D.id] ??= { saturation, openLoop, memoryMb: memory };
  } finally {
    await server.stop();
  }
}

async function measureOurs(run: RunSample, settings: BenchSettings, redis: RedisServer, client: OpenLoopClient, algorithm: Algorithm, scriptCalls: Map<Algorithm, ScriptCall>): Promise<void> {
  const server = await startServer(`node ${algorithm}`, oursCommand(settings, redis.url, algorithm, `bench-${algorithm}`), { cwd: settings.repoDir });
  try {
    if (!scriptCalls.has(algorithm)) scriptCalls.set(algorithm, await captureScriptCall(redis.url, server.url, await ourScriptSources()));
    log(`ours ${algorithm}: saturation`);
    const saturation = await measureSaturation(server, redis, settings, nodeCounts);
    const memory = memoryMb(server.pid);
    log(`ours ${algorithm}: open loop`);
    const openLoop = await measureOpenLoop(server, redis, settings, client);
    // Over the whole life of the node (warm-up, saturation, open loop): each must stay 0.
    const fallbacks = await fallbackDecisions(server.url);
    const shed = (await nodeCounts(server.url))?.shed ?? null;
    run.ours[algorithm] = { saturation, openLoop, memoryMb: memory, fallbackDecisions: fallbacks, shed };
  } finally {
    await server.stop();
  }
  const evalsha = scriptCalls.get(algorithm)?.evalsha;
  if (evalsha) {
    log(`ours ${algorithm}: redis-benchmark of its script`);
    await redis.cli("FLUSHALL");
    run.redisCeiling[algorithm] = await runRedisBenchmark({ host: redis.host, port: redis.port, command: evalsha, connections: settings.connections, requests: settings.redisBenchmarkRequests, keys: settings.keys });
  }
}

/** Start-to-healthy samples of our node, and of `operator --version` alone (the binary's own start). */
async function measureStartMs(settings: BenchSettings, redis: RedisServer, algorithm: Algorithm): Promise<StartSamples> {
  const samples: StartSamples = { healthy: [], version: [] };
  for (let index = 0; index < settings.startSamples; index++) {
    const versionStartedAt = performance.now();
    await Bun.spawn([settings.binary, "--version"], { stdout: "ignore", stderr: "ignore", stdin: "ignore" }).exited;
    samples.version.push(round(performance.now() - versionStartedAt, 1)!);
    const server = await startServer("node start", oursCommand(settings, redis.url, algorithm, `bench-start-${index}`), { cwd: settings.repoDir });
    samples.healthy.push(round(server.healthyMs, 1)!);
    await server.stop();
  }
  return samples;
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const machine = await describeMachine();
  const notes: string[] = [];
  const client = await chooseOpenLoopClient(settings.binary, process.env.BENCH_OPEN_LOOP === "bench");
  if (client === benchOpenLoopClient) {
    notes.push("open loop: bench/open-loop.ts, a minimal pacer (raw keep-alive HTTP/1.1, latency from the intended send time), not operator loadgen");
  }
  const oursAvailable = await hasOurNode(settings);
  if (!oursAvailable) notes.push(`${settings.binary} has no "ratelimiter serve" (run make build after the node lands): only the references were measured`);
  if (settings.quick) notes.push("BENCH_QUICK=1: a smoke test with short runs, not a measurement");

  const redis = await startRedis();
  stopOnExit(() => redis.stop());
  const runs: RunSample[] = [];
  const scriptCalls = new Map<Algorithm, ScriptCall>();
  const scriptDir = mkdtempSync(join(tmpdir(), "operator-bench-scripts-"));
  const scripts = new Map<Algorithm, NodeScript>();
  if (oursAvailable) {
    for (const algorithm of settings.algorithms) {
      const script = await nodeScript(algorithm, scriptDir);
      if (script) scripts.set(algorithm, script);
      else notes.push(`${algorithm}: the node's script could not be read from this tree: (d) ran its own GCRA script`);
    }
  }
  let startSamples: StartSamples = { healthy: [], version: [] };
  try {
    for (let index = 0; index < settings.runs; index++) {
      log(`run ${index + 1} of ${settings.runs}`);
      const run: RunSample = { peers: {}, peerD: {}, ours: {}, redisCeiling: {} };
      await measurePeers(run, settings, redis, client, !oursAvailable || scripts.size < settings.algorithms.length);
      if (oursAvailable) {
        for (const algorithm of settings.algorithms) {
          const script = scripts.get(algorithm);
          if (script) await measurePeerD(run, settings, redis, client, script);
          await measureOurs(run, settings, redis, client, algorithm, scriptCalls);
        }
      }
      runs.push(run);
    }
    if (oursAvailable) startSamples = await measureStartMs(settings, redis, settings.algorithms[0]!);
  } finally {
    await redis.stop();
    rmSync(scriptDir, { recursive: true, force: true });
  }
  const sidecars = process.env.BENCH_EXTRAS === "0" ? {} : await runSidecars(settings);

  let binaryBytes: number | null = null;
  try {
    binaryBytes = statSync(settings.binary).size;
  } catch {
    notes.push(`${settings.binary} not found: run make build`);
  }
  const report = {
    ...buildReport({ settings, machine, openLoopClient: client.name, oursAvailable, runs, scriptCalls, startSamples, binaryBytes, notes }),
    ...sidecars,
  };
  mkdirSync(dirname(settings.resultsFile), { recursive: true });
  writeFileSync(settings.resultsFile, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`\n${renderTable(report)}\n`);
  console.log(JSON.stringify(report, null, 2));
}

try {
  await main();
} catch (error) {
  console.error(`bench: ${(error as Error).message}`);
  await stopEverything();
  process.exit(1);
}
