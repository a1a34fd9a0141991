// The human view of a bench report, for stderr: peers, our node per algorithm, then targets.
import type { BenchReport } from "./report.ts";

const number = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined ? "-" : value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ratio = (value: number | null | undefined) => (value === null || value === undefined ? "-" : `${value.toFixed(2)}x`);

function grid(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ")).join("\n");
}

export function renderTable(report: BenchReport): string {
  const s = report.settings;
  const lines = [
    `operator bench: ${report.runs} run(s), medians; wrk -c${s.connections} -t${s.threads} ${s.duration_s}s; ${number(s.keys)} keys uniform; limit ${s.limit}/${s.window_ms / 1000}s; open loop ${number(s.open_loop_rate)} req/s (${s.open_loop_client})`,
    `machine: ${report.machine.cores} cores ${report.machine.cpu}, bun ${report.machine.bun}, node ${report.machine.node}, redis ${report.machine.redis}, load ${report.machine.load_average.join(" ")}`,
    "",
  ];
  const peerRows = [["reference", "req/s", "p50 ms", "p99 ms", "cpu%", "cpu µs/req", "redis cpu%", "VmHWM MB", "open-loop p99"]];
  for (const [id, peer] of Object.entries(report.peers)) {
    const openLoop = id === "http_ceiling" ? report.open_loop.client_floor : id === "bun_ioredis_gcra" ? report.open_loop.bun_ioredis_gcra : null;
    peerRows.push([peer.label, number(peer.rps), number(peer.p50_ms, 2), number(peer.p99_ms, 2), number(peer.cpu_pct.server), number(peer.server_cpu_us_per_request), number(peer.cpu_pct.redis), number(peer.memory_mb?.hwm, 1), openLoop ? `${number(openLoop.p99_ms, 2)} ms` : "-"]);
  }
  lines.push(grid(peerRows), "");
  const rows = [["ours", "req/s", "p50 ms", "p99 ms", "cpu%", "cpu µs/req", "redis cpu%", "VmHWM MB", "(a) redis ceiling", "(d) same script", "vs (c)", "vs (d)", "of (b)", "open-loop p99", "cmds/check", "fail-policy", "shed"]];
  for (const [algorithm, result] of Object.entries(report.results)) {
    const ours = result.ours;
    rows.push([
      algorithm, number(ours?.rps), number(ours?.p50_ms, 2), number(ours?.p99_ms, 2), number(ours?.cpu_pct.server), number(ours?.server_cpu_us_per_request), number(ours?.cpu_pct.redis), number(result.memory_mb?.hwm, 1),
      number(result.redis_ceiling?.rps), number(result.bun_ioredis_same_script.rps), ratio(result.ratios.vs_node_flexible), ratio(result.ratios.vs_bun_ioredis_gcra), ratio(result.ratios.of_http_ceiling),
      result.open_loop ? `${number(result.open_loop.p99_ms, 2)} ms` : "-", number(result.redis_commands_per_check), number(result.fallback_decisions), number(result.shed),
    ]);
  }
  lines.push(grid(rows), "");
  lines.push(`memory at saturation: VmRSS ${number(report.memory_mb?.rss, 1)} MB, VmHWM ${number(report.memory_mb?.hwm, 1)} MB; start to healthy ${number(report.start_ms?.median, 0)} ms (median; operator --version alone ${number(report.start_ms?.version_median, 0)} ms); binary ${number(report.binary_bytes === null ? null : report.binary_bytes / 2 ** 20, 1)} MiB`, "");
  for (const target of report.targets) {
    const measured = target.measured === null ? "not measured" : `${number(target.measured, target.unit === "x" ? 2 : 1)}${target.unit === "x" ? "x" : ` ${target.unit}`}`;
    lines.push(`${target.met ? "met   " : "MISSED"}  ${target.name}: ${measured} (target ${target.target})`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join("\n");
}
