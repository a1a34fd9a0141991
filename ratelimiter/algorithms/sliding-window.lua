-- sliding-window: two clock-aligned counters; the previous window counts with the share of it
-- still inside the sliding window. state_key is a prefix; the window index completes it.
local time = redis.call('TIME')
local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
local window_us = window_ms * 1000
local index = math.floor(now_us / window_us)
local elapsed_us = now_us - index * window_us
local current_key = state_key .. string.format('%.0f', index)
local values = redis.call('MGET', block_key, current_key, state_key .. string.format('%.0f', index - 1))
if values[1] then return blocked(values[1]) end
local current = tonumber(values[2] or '0')
local previous = tonumber(values[3] or '0')
local used = previous * (window_us - elapsed_us) / window_us + current
-- ms until the whole limit is back: this window's count still weighs until the end of the next one
local reset_ms = 0
if current > 0 then reset_ms = math.ceil((2 * window_us - elapsed_us) / 1000)
elseif previous > 0 then reset_ms = math.ceil((window_us - elapsed_us) / 1000) end

if cost > limit then
  return {0, limit, math.max(math.floor(limit - used), 0), reset_ms, -1, window_ms, is_override}
end
if used + cost > limit then
  local wait_us
  if current + cost <= limit then
    -- later in this window, once the previous window's share has shrunk enough
    wait_us = window_us * (1 - (limit - cost - current) / previous) - elapsed_us
  else
    -- in the next window, once this window's count (then the previous one) has shrunk enough
    wait_us = window_us - elapsed_us + window_us * (1 - (limit - cost) / current)
  end
  return {0, limit, math.max(math.floor(limit - used), 0), reset_ms, math.max(math.ceil(wait_us / 1000), 1), window_ms, is_override}
end
local after = redis.call('INCRBY', current_key, cost)
reset_ms = math.ceil((2 * window_us - elapsed_us) / 1000)
if after == cost then
  -- kept until the end of the next window, where it still counts as the previous one
  redis.call('PEXPIRE', current_key, reset_ms)
end
return {1, limit, math.max(math.floor(limit - used - cost), 0), reset_ms, 0, window_ms, is_override}
