-- Reads one key's counter under its effective algorithm, without changing anything.
local limit_key = KEYS[1]            -- hash: limit, window_ms, algorithm (a per-key override)
local fw_key = KEYS[2]               -- fixed-window counter
local sw_prefix = KEYS[3]            -- sliding-window counters: prefix + window index
local sl_key = KEYS[4]               -- sliding-log sorted set
local gcra_key = KEYS[5]             -- gcra TAT, us
local limit = tonumber(ARGV[1])      -- default limit
local window_ms = tonumber(ARGV[2])  -- default window, ms
local algorithm = ARGV[3]            -- default algorithm
-- Reply: {algorithm, count (units taken in the window), limit, window_ms, ttl_ms, is_override}
-- ttl_ms: -2 no counter, -1 a counter without expiry.

local override = redis.call('HMGET', limit_key, 'limit', 'window_ms', 'algorithm')
local is_override = 0
if override[1] then
  is_override = 1
  limit = tonumber(override[1])
  window_ms = tonumber(override[2]) or window_ms
  algorithm = override[3] or algorithm
end
local time = redis.call('TIME')
local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
local window_us = window_ms * 1000
local count, ttl = 0, -2

if algorithm == 'fixed-window' then
  count = tonumber(redis.call('GET', fw_key) or '0')
  ttl = redis.call('PTTL', fw_key)
elseif algorithm == 'sliding-window' then
  local index = math.floor(now_us / window_us)
  local current_key = sw_prefix .. string.format('%.0f', index)
  local counts = redis.call('MGET', current_key, sw_prefix .. string.format('%.0f', index - 1))
  local weight = (window_us - (now_us - index * window_us)) / window_us
  count = math.ceil(tonumber(counts[2] or '0') * weight + tonumber(counts[1] or '0'))
  ttl = redis.call('PTTL', current_key)
  if ttl == -2 then ttl = redis.call('PTTL', sw_prefix .. string.format('%.0f', index - 1)) end
elseif algorithm == 'sliding-log' then
  count = redis.call('ZCOUNT', sl_key, '(' .. string.format('%.0f', now_us - window_us), '+inf')
  ttl = redis.call('PTTL', sl_key)
elseif algorithm == 'gcra' then
  local tat = tonumber(redis.call('GET', gcra_key) or '0')
  if tat > now_us then count = math.ceil((tat - now_us) / (window_us / limit) - 1e-9) end
  ttl = redis.call('PTTL', gcra_key)
end
return {algorithm, count, limit, window_ms, ttl, is_override}
