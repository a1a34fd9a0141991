// Redis URLs a node accepts, parsed into what the client needs; and their redaction for every message.
import { usageError } from "../lib/cli/errors.ts";

export interface HostPort {
  host: string;
  port: number;
}

interface Credentials {
  username?: string;
  password?: string;
  tls: boolean;
}

export type RedisTarget =
  | ({ kind: "standalone"; db: number } & HostPort & Credentials)
  | ({ kind: "cluster"; nodes: HostPort[] } & Credentials)
  | ({ kind: "sentinel"; sentinels: HostPort[]; masterName: string; db: number } & Credentials);

const FORMS = "use redis://host:port, rediss://host:port (TLS), redis+cluster://h1:p1,h2:p2 or redis+sentinel://h:p[,h:p]/<master>";

/** The URL with any password (or bare userinfo) replaced by `***`; safe for logs, errors and JSON. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)([^@/]*)@/i, (_, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(":");
    return colon === -1 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

const invalid = (url: string, why: string) => usageError("invalid_redis_url", `redis URL "${redactRedisUrl(url)}" ${why}: ${FORMS}`);

function parseHostPort(text: string, url: string): HostPort {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d+))?$/i.exec(text);
  if (!match) throw invalid(url, `has a bad host "${text}"`);
  const port = match[2] === undefined ? 6379 : Number(match[2]);
  if (port < 1 || port > 65_535) throw invalid(url, `has a bad port in "${text}"`);
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
}

function parseDb(text: string | undefined, url: string): number {
  if (text === undefined || text === "") return 0;
  if (!/^\d+$/.test(text)) throw invalid(url, `has a bad database number "${text}"`);
  return Number(text);
}

/** Throws a usage error (with the password redacted) when `url` is not one of the accepted forms. */
export function parseRedisUrl(url: string): RedisTarget {
  const match = /^(redis|rediss|redis\+cluster|rediss\+cluster|redis\+sentinel|rediss\+sentinel):\/\/(?:([^@/]*)@)?([^/?#]*)(?:\/([^?#]*))?$/i.exec(url.trim());
  if (!match) throw invalid(url, "is not a Redis URL");
  const [, scheme = "", userinfo, hosts = "", path] = match;
  const credentials: Credentials = { tls: scheme.toLowerCase().startsWith("rediss") };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(":");
    const username = decodeURIComponent(colon === -1 ? "" : userinfo.slice(0, colon));
    const password = decodeURIComponent(colon === -1 ? userinfo : userinfo.slice(colon + 1));
    if (username) credentials.username = username;
    if (password) credentials.password = password;
  }
  if (!hosts) throw invalid(url, "names no host");
  const list = hosts.split(",").filter(Boolean).map((h) => parseHostPort(h, url));
  const kind = scheme.toLowerCase().replace(/^rediss/, "redis");
  if (kind === "redis") {
    if (list.length !== 1) throw invalid(url, "names several hosts (a Redis Cluster is redis+cluster://)");
    return { kind: "standalone", ...list[0]!, db: parseDb(path, url), ...credentials };
  }
  if (kind === "redis+cluster") {
    if (path) throw invalid(url, "has a path (a Redis Cluster has no databases)");
    return { kind: "cluster", nodes: list, ...credentials };
  }
  const [masterName, db] = (path ?? "").split("/");
  if (!masterName) throw invalid(url, "names no master (redis+sentinel://h:p/<master>)");
  return { kind: "sentinel", sentinels: list, masterName: decodeURIComponent(masterName), db: parseDb(db, url), ...credentials };
}
