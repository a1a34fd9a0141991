-- sliding-window: two clock-aligned counters; the previous window counts with the share of it
-- still inside the sliding window. state_key is a prefix; the window index completes it.
local index = math.floor(now_us / window_us)
local elapsed_us = now_us - index * window_us
local current_key = state_key .. int(index)
local counts = redis.call('MGET', current_key, state_key .. int(index - 1))
local current = tonumber(counts[1] or '0')
local previous = tonumber(counts[2] or '0')
local weight = (window_us - elapsed_us) / window_us
local used = previous * weight + current
local function until_empty_ms(cur)
  if cur > 0 then return math.ceil((2 * window_us - elapsed_us) / 1000) end
  if previous > 0 then return math.ceil((window_us - elapsed_us) / 1000) end
  return 0
end

if cost > limit then
  return {0, limit, math.max(math.floor(limit - used), 0), until_empty_ms(current), -1, window_ms, is_override}
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
  return {0, limit, math.max(math.floor(limit - used), 0), until_empty_ms(current), math.max(math.ceil(wait_us / 1000), 1), window_ms, is_override}
end
local after = redis.call('INCRBY', current_key, cost)
if after == cost then
  -- kept until the end of the next window, where it still counts as the previous one
  redis.call('PEXPIRE', current_key, math.ceil((2 * window_us - elapsed_us) / 1000))
end
return {1, limit, math.max(math.floor(limit - used - cost), 0), until_empty_ms(after), 0, window_ms, is_override}
