-- Head of every check script (the algorithm's body follows it in the same script); scripts.ts
-- puts `local algorithm = '<name>'` (the algorithm this script implements) before it.
local block_key = KEYS[1]            -- string: the block's reason; its TTL is the block's
local limit_key = KEYS[2]            -- hash: limit, window_ms, algorithm (a per-key override)
local state_key = KEYS[3]            -- this algorithm's counter (sliding-window: a prefix)
local limit = tonumber(ARGV[1])      -- default limit, requests per window
local window_ms = tonumber(ARGV[2])  -- default window, ms
local cost = tonumber(ARGV[3])       -- units this check takes, >= 1
-- Reply: {decision, limit, remaining, reset_ms, retry_after_ms, window_ms, is_override[, reason]}
-- decision 1 allowed, 0 denied, 2 blocked; {3, algorithm} asks the caller to run another script.
-- retry_after_ms is -1 when waiting cannot help (cost above the limit, a counter without expiry).
-- Bodies read the block together with their counter (one MGET) and call `blocked` when it is set.
-- Numbers past 14 digits lose precision through tostring: every large number written is
-- formatted with string.format('%.0f').

local override = redis.call('HMGET', limit_key, 'limit', 'window_ms', 'algorithm')
local is_override = 0
if override[1] then
  is_override = 1
  limit = tonumber(override[1])
  window_ms = tonumber(override[2]) or window_ms
  if override[3] and override[3] ~= algorithm then return {3, override[3]} end
end

local function blocked(reason)
  local ttl = redis.call('PTTL', block_key)  -- -1: until lifted
  return {2, limit, 0, ttl, ttl, window_ms, is_override, reason}
end

