// Notifications end to end: the monitor as a real process delivering the journal's incident
// transitions to wire-format stand-ins for Slack, PagerDuty and a signed webhook, through failures
// and a kill -9; `notify test` against a real Alertmanager; `notifications list`.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { openState } from "../lib/state/state.ts";
import { startAlertmanager } from "./fixtures/alertmanager.ts";
import { runCli } from "./fixtures/cli.ts";
import { journalTransition, resolvedSnapshot, snapshot, withCause } from "./fixtures/incident-journal.ts";
import { spawnMonitor, type MonitorProcess } from "./fixtures/monitor-process.ts";
import { NOTIFY_SECRET, receiverTargets, ROUTING_KEY, SLACK_PATH, startReceiver, type Received } from "./fixtures/notify-receiver.ts";
import { pollUntil } from "./fixtures/poll.ts";
import { freePort } from "./fixtures/ports.ts";
import { tempDirs } from "./fixtures/temp-dirs.ts";

// Real processes on a loaded machine, and a default 10 s group wait before each first message.
setDefaultTimeout(150_000);

const stateDir = tempDirs("operator-notify-cli-");

const env = { OPERATOR_PAGERDUTY_ROUTING_KEY: ROUTING_KEY, OPERATOR_NOTIFY_SECRET: NOTIFY_SECRET };

/** A monitor whose subject cannot be reached (its own incidents are not this test's): only its notifier matters here. */
async function monitorNotifying(dir: string, targets: string[]): Promise<MonitorProcess> {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const monitor = spawnMonitor(["--targets", dead, "--no-diagnose", "--state-dir", dir, ...targets.flatMap((t) => ["--notify", t])], env);
  // Transitions journaled before a target's first pass are history it is not told of.
  await pollUntil(async () => countTargets(dir), (n) => n === targets.length, { what: "the monitor's targets registered", timeoutMs: 30_000 });
  return monitor;
}

function countTargets(dir: string): number {
  const state = openState(dir);
  try {
    return state.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'notify_targets'").get()!.n
      ? state.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM notify_targets").get()!.n
      : 0;
  } finally {
    state.close();
  }
}

function journal(dir: string, write: (state: ReturnType<typeof openState>) => void) {
  const state = openState(dir);
  try {
    write(state);
  } finally {
    state.close();
  }
}

/** What each target was told, per incident, in arrival order. */
function story(received: Received[], incidents: number[]) {
  const out: Record<string, string[]> = {};
  for (const r of received) {
    const key: string = r.kind === "slack" ? r.body.blocks.at(-1).elements[0].text : r.kind === "pagerduty" ? r.body.dedup_key : r.body.incident.key;
    const incident = Number(key.split("-").at(-1));
    if (!incidents.includes(incident)) continue;
    const word = r.kind === "slack" ? r.body.blocks[0].text.text.split(":")[2].trim().split(" ")[1] : r.kind === "pagerduty" ? r.body.event_action : r.body.type;
    (out[`${r.kind} #${incident}`] ??= []).push(word);
  }
  return out;
}

describe("operator notify test", () => {
  test("sends one test alert to a real Alertmanager and prints its answer; a bad URL is exit 2 with the accepted forms", async () => {
    await using am = await startAlertmanager();
    const dir = stateDir();
    const sent = await runCli(["notify", "test", `alertmanager+${am.url}`, "--json", "--state-dir", dir]);
    expect({ exitCode: sent.exitCode, result: JSON.parse(sent.stdout) }).toEqual({
      exitCode: 0,
      result: { target: `alertmanager+${am.url}/`, kind: "alertmanager", ok: true, status: 200, reply: "", error: null },
    });
    const alerts = await am.alerts();
    expect(alerts.map((a) => a.labels.alertname)).toEqual(["OperatorTest"]);

    const bad = await runCli(["notify", "test", `https://hooks.slack.com/services/T0/B0/XXXXXXXXXXXXXXXXXXXXXXXX`, "--state-dir", dir]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim().split("\n")).toEqual([
      'operator: URL "https://hooks.slack.com/services/T0/B0/[REDACTED]" is not a notification target: use alertmanager+http(s)://HOST:PORT, slack+https://hooks.slack.com/services/..., pagerduty+https://events.pagerduty.com/v2/enqueue or webhook+http(s)://HOST/PATH, each optionally ending in ?min_severity=warning|critical',
    ]);
    const down = await runCli(["notify", "test", `webhook+http://127.0.0.1:${await freePort()}/hook`, "--state-dir", dir]);
    expect(down.exitCode).toBe(3);
  });

  test("a monitor started with a bad --notify exits 2 before watching anything", async () => {
    const result = await runCli(["monitor", "--targets", "http://127.0.0.1:1", "--state-dir", stateDir(), "--notify", "alertmanager+http://127.0.0.1:9093", "--notify", "carrier-pigeon://home"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toStartWith('operator: --notify "carrier-pigeon://home" is not a notification target: use alertmanager+http(s)://');
  });
});

describe("operator monitor --notify", () => {
  test("through three 500s, a kill -9 mid-retry and a restart, every transition reaches each target, in order per incident", async () => {
    await using receiver = startReceiver();
    const dir = stateDir();
    const targets = receiverTargets(receiver);
    const first = await monitorNotifying(dir, targets);
    const one = snapshot(9001);
    const two = snapshot(9002);
    receiver.failNext(3);
    journal(dir, (s) => {
      journalTransition(s, "incident_opened", one, Date.now());
      journalTransition(s, "incident_opened", two, Date.now());
    });
    await pollUntil(async () => story(receiver.received, [9001, 9002]), (s) => Object.keys(s).length === 6, { what: "six first messages", timeoutMs: 60_000 });

    receiver.failNext(1_000);
    journal(dir, (s) => journalTransition(s, "incident_updated", withCause(one, "worker:w9001", "crash"), Date.now(), ["root_cause", "diagnosis"]));
    await first.next((e) => e.type === "notification" && e.status === "retrying" && e.attempts >= 2, { timeoutMs: 30_000 });
    first.proc.kill("SIGKILL");
    await first.proc.exited;

    // While no monitor runs, others change the incidents (the console, tickets resolve).
    journal(dir, (s) => {
      journalTransition(s, "incident_resolved", resolvedSnapshot(two), Date.now());
      journalTransition(s, "incident_updated", { ...withCause(one, "worker:w9001", "crash"), actions: [{ id: 1, name: "restart_worker", params: { worker: "w9001" }, risk: "low", status: "proposed" }] }, Date.now(), ["actions"]);
      journalTransition(s, "incident_resolved", resolvedSnapshot(withCause(one, "worker:w9001", "crash")), Date.now());
    });
    receiver.failNext(0);
    await using second = await monitorNotifying(dir, targets);
    const expected = {
      "slack #9001": ["opened", "updated", "updated", "resolved"],
      "slack #9002": ["opened", "resolved"],
      "pagerduty #9001": ["trigger", "trigger", "resolve"],
      "pagerduty #9002": ["trigger", "resolve"],
      "webhook #9001": ["incident_opened", "incident_updated", "incident_updated", "incident_resolved"],
      "webhook #9002": ["incident_opened", "incident_resolved"],
    };
    const told = await pollUntil(async () => story(receiver.received, [9001, 9002]), (s) => Bun.deepEquals(s, expected), { what: "every transition delivered", timeoutMs: 90_000 });
    expect(told).toEqual(expected);
    expect(receiver.invalid).toEqual([]);

    const listed = await runCli(["notifications", "list", "--json", "--state-dir", dir]);
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).not.toContain(SLACK_PATH.split("/").at(-1)!);
    expect(listed.stdout).not.toContain(ROUTING_KEY);
    // (the monitor's own subject cannot be reached: its observation_failed incident is not this test's)
    const ours = JSON.parse(listed.stdout).deliveries.filter((d: any) => d.incident_id >= 9001);
    expect(ours.length).toBe(6 * 3);
    expect(new Set(ours.map((d: any) => d.status))).toEqual(new Set(["sent", "skipped"]));
    expect(JSON.parse(listed.stdout).targets.map((t: any) => t.kind).sort()).toEqual(["pagerduty", "slack", "webhook"]);
    expect(second.stderr() + first.stderr()).not.toContain(ROUTING_KEY);
    expect(second.stderr() + first.stderr()).not.toContain(SLACK_PATH.split("/").at(-1)!);
  });
});
