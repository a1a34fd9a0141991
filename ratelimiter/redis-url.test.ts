import { describe, expect, test } from "bun:test";
import { parseRedisUrl, redactRedisUrl } from "./redis-url.ts";

describe("parseRedisUrl", () => {
  test("standalone, with credentials, database and TLS", () => {
    expect(parseRedisUrl("redis://127.0.0.1:6380")).toEqual({ kind: "standalone", host: "127.0.0.1", port: 6380, db: 0, tls: false });
    expect(parseRedisUrl("rediss://app:p%40ss@cache.internal/2")).toEqual({
      kind: "standalone",
      host: "cache.internal",
      port: 6379,
      db: 2,
      tls: true,
      username: "app",
      password: "p@ss",
    });
    expect(parseRedisUrl("redis://:pw@[::1]:7000")).toEqual({ kind: "standalone", host: "::1", port: 7000, db: 0, tls: false, password: "pw" });
  });

  test("a Redis Cluster lists its seed nodes", () => {
    expect(parseRedisUrl("redis+cluster://:pw@h1:7000,h2:7001")).toEqual({
      kind: "cluster",
      nodes: [{ host: "h1", port: 7000 }, { host: "h2", port: 7001 }],
      tls: false,
      password: "pw",
    });
  });

  test("Sentinel: the sentinels, then the master's name", () => {
    expect(parseRedisUrl("redis+sentinel://s1:26379,s2:26380/mymaster/1")).toEqual({
      kind: "sentinel",
      sentinels: [{ host: "s1", port: 26379 }, { host: "s2", port: 26380 }],
      masterName: "mymaster",
      db: 1,
      tls: false,
    });
  });

  test.each([
    ["http://u:hunter2@x:1", 'redis URL "http://u:***@x:1" is not a Redis URL'],
    ["redis://:hunter2@h1:1,h2:2", 'redis URL "redis://:***@h1:1,h2:2" names several hosts (a Redis Cluster is redis+cluster://)'],
    ["redis+sentinel://:hunter2@s1:26379", 'redis URL "redis+sentinel://:***@s1:26379" names no master (redis+sentinel://h:p/<master>)'],
    ["redis://:hunter2@h:99999", 'redis URL "redis://:***@h:99999" has a bad port in "h:99999"'],
  ])("%s is refused with the password redacted", (url, start) => {
    expect(() => parseRedisUrl(url)).toThrow(start);
    try {
      parseRedisUrl(url);
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
  });
});

describe("redactRedisUrl", () => {
  test("hides passwords and bare userinfo, keeps the rest", () => {
    expect(redactRedisUrl("redis://user:hunter2@h:1/0")).toBe("redis://user:***@h:1/0");
    expect(redactRedisUrl("rediss://:hunter2@h:1")).toBe("rediss://:***@h:1");
    expect(redactRedisUrl("redis://tokenonly@h:1")).toBe("redis://***@h:1");
    expect(redactRedisUrl("redis+cluster://h1:1,h2:2")).toBe("redis+cluster://h1:1,h2:2");
  });
});
