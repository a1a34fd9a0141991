// What a health check script sees: `cluster up`, then at once `monitor --once`. A fresh, healthy
// cluster is healthy ten times in a row (its first slow readings are one sample among several, not
// the verdict); a slow link on node b is named two seconds after it starts.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { downAll, startLocalCluster, type LocalCluster } from "./fixtures/local-cluster.ts";

// Real servers on a shared 2-core machine: bun's 5 s default is too tight (bunfig's [test] timeout is not applied).
setDefaultTimeout(180_000);

afterAll(downAll);

const violationsIn = (stdout: string) =>
  stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>).filter((e) => e.type === "violation").map((e) => e.key as string);

async function once(cluster: LocalCluster): Promise<{ exitCode: number; violations: string[] }> {
  const result = await cluster.cli(["monitor", "--once", "--json", "--no-diagnose"]);
  return { exitCode: result.exitCode, violations: violationsIn(result.stdout) };
}

describe("monitor --once right after cluster up", () => {
  test("ten fresh clusters: exit 0 every time; then an 80 ms slow link on node b, two seconds old: exit 1 naming node:b", async () => {
    const seen: { exitCode: number; violations: string[] }[] = [];
    let last: LocalCluster | undefined;
    for (let i = 0; i < 10; i++) {
      const cluster = await startLocalCluster();
      seen.push(await once(cluster));
      if (i < 9) await cluster.down();
      else last = cluster;
    }
    expect(seen).toEqual(Array(10).fill({ exitCode: 0, violations: [] }));

    const injected = await last!.cli(["chaos", "redis-latency", "--latency", "80ms", "--node", "b", "--duration", "60s"]);
    expect(injected.exitCode).toBe(0);
    await Bun.sleep(2_000);
    const slow = await once(last!);
    expect(slow.exitCode).toBe(1);
    expect(slow.violations.filter((k) => k.endsWith(":node:b")).length).toBeGreaterThan(0);
    // Only node b's link is slow: nothing on the other nodes, nor on Redis.
    expect(slow.violations.filter((k) => !k.endsWith(":node:b"))).toEqual([]);
    expect((await last!.cli(["chaos", "revert", "--all"])).exitCode).toBe(0);
  });
});
