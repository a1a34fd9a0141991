// The node's Redis key scheme as DESIGN.md writes it, seen from outside: every key of one user
// key shares the prefix `ratelimit:{<key>}:`; `limit` and `block` hold overrides, the rest counters.

const tagOf = (key: string) => `ratelimit:{${key}}:`;

/** A SCAN MATCH pattern for every Redis key of `key` (glob characters in it escaped). */
export const keyStatePattern = (key: string) => `${tagOf(key).replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;

/** True for a counter (fw, sl, gcra, sw:<window>), false for the override and block keys. */
export function isCounterKey(redisKey: string, key: string): boolean {
  const suffix = redisKey.slice(tagOf(key).length);
  return redisKey.startsWith(tagOf(key)) && suffix !== "limit" && suffix !== "block";
}
