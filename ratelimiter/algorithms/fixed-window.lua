-- fixed-window: one INCRBY counter that gets its TTL when created. A counter whose TTL was removed
-- from outside stays stuck (retry_after_ms -1): that fault is meant to be visible, not healed.
local values = redis.call('MGET', block_key, state_key)
if values[1] then return blocked(values[1]) end
local count = tonumber(values[2] or '0')
local ttl = window_ms
if values[2] then ttl = redis.call('PTTL', state_key) end  -- ms; -1: no expiry
if cost > limit then
  return {0, limit, math.max(limit - count, 0), ttl, -1, window_ms, is_override}
end
if count + cost > limit then
  return {0, limit, math.max(limit - count, 0), ttl, ttl, window_ms, is_override}
end
local after = redis.call('INCRBY', state_key, cost)
if after == cost then
  redis.call('PEXPIRE', state_key, window_ms)
  ttl = window_ms
end
return {1, limit, math.max(limit - after, 0), ttl, 0, window_ms, is_override}
