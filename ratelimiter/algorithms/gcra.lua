-- gcra: the theoretical arrival time (TAT, us) of the next unit; burst = limit; O(1) memory.
-- A check is allowed when the new TAT lies at most one window ahead of now.
local values = redis.call('MGET', block_key, state_key)
if values[1] then return blocked(values[1]) end
local time = redis.call('TIME')
local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
local window_us = window_ms * 1000
local interval_us = window_us / limit  -- emission interval: one unit comes back every interval
local tat = tonumber(values[2] or '0')
if tat < now_us then tat = now_us end
local remaining = math.max(math.floor((window_us - (tat - now_us)) / interval_us), 0)

if cost > limit then
  return {0, limit, remaining, math.ceil((tat - now_us) / 1000), -1, window_ms, is_override}
end
-- floor: a rounded-up TAT would deny the last unit of an exact burst
local new_tat = math.floor(tat + cost * interval_us)
if new_tat - now_us > window_us then
  local wait_ms = math.max(math.ceil((new_tat - now_us - window_us) / 1000), 1)
  return {0, limit, remaining, math.ceil((tat - now_us) / 1000), wait_ms, window_ms, is_override}
end
local reset_ms = math.max(math.ceil((new_tat - now_us) / 1000), 1)
redis.call('SET', state_key, string.format('%.0f', new_tat), 'PX', reset_ms)
return {1, limit, math.max(math.floor((window_us - (new_tat - now_us)) / interval_us), 0), reset_ms, 0, window_ms, is_override}
