// A real fault on a real local cluster, seen through a real Alertmanager (Debian's, on a free port,
// resolve_timeout 10s): the monitor's --notify keeps the incident's alert firing with our labels
// for as long as the fault holds, and resolves it after the revert.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { startAlertmanager, type AmAlert } from "./fixtures/alertmanager.ts";
import { downAll, startLocalCluster } from "./fixtures/local-cluster.ts";
import { spawnMonitor } from "./fixtures/monitor-process.ts";
import { pollUntil } from "./fixtures/poll.ts";

// A cluster, a 60 s fault and its revert on a loaded machine.
setDefaultTimeout(180_000);
afterAll(() => downAll());

describe("operator monitor --notify alertmanager+", () => {
  test("a real fault held for 60 s is one firing alert in a real Alertmanager with our labels the whole time, resolved after the revert", async () => {
    await using am = await startAlertmanager();
    await using cluster = await startLocalCluster(["--nodes", "2"]);
    await using monitor = spawnMonitor(["--state-dir", cluster.stateDir, "--notify", `alertmanager+${am.url}`, "--console-url", "http://127.0.0.1:8090"]);
    const injected = await cluster.cli(["chaos", "node-kill", "--node", "b", "--duration", "3m", "--json"]);
    expect(injected.exitCode).toBe(0);
    const ours = (alerts: AmAlert[]) => alerts.filter((a) => a.labels.resource === "node:b");
    let held!: AmAlert;
    try {
      const [alert] = ours(await pollUntil(() => am.alerts(), (a) => ours(a).length === 1, { what: "the incident's alert", timeoutMs: 60_000 }));
      held = alert!;
      const key = alert!.labels.incident;
      const sent = await monitor.next((e) => e.type === "notification" && e.key === key && e.status === "sent" && e.event === "open", { seen: true, timeoutMs: 5_000 });
      expect({ labels: alert!.labels, state: alert!.status.state }).toEqual({
        labels: { alertname: "node_down", subject: "ratelimiter", resource: "node:b", severity: "critical", incident: sent.key },
        state: "active",
      });
      expect(sent.key).toMatch(/^op-[0-9a-f]{12}-\d+$/);
      expect(alert!.annotations).toMatchObject({ root_cause: expect.stringContaining("node:b"), tickets: expect.stringContaining("node_down on node:b"), console_url: `http://127.0.0.1:8090/#/incidents/${sent.incident_id}` });
      // Sixty seconds: six times Alertmanager's resolve_timeout and one re-send; the same one alert each time we look.
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        expect(ours(await am.alerts()).map((a) => [a.labels, a.status.state])).toEqual([[alert!.labels, "active"]]);
        await Bun.sleep(2_000);
      }
      expect((await am.alerts()).filter((a) => a.labels.alertname === "OperatorWatchdog").map((a) => a.status.state)).toEqual(["active"]);
    } finally {
      await cluster.cli(["chaos", "revert", "--all"]);
    }
    await monitor.next((e) => e.type === "notification" && e.key === held.labels.incident && e.status === "sent" && e.event === "resolve", { seen: true, timeoutMs: 60_000 });
    expect(ours(await am.alerts())).toEqual([]);
  });
});
