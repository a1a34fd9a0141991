-- gcra: the theoretical arrival time (TAT, us) of the next unit; burst = limit; O(1) memory.
-- A check is allowed when the new TAT lies at most one window ahead of now.
local interval_us = window_us / limit  -- emission interval: one unit comes back every interval
local tat = tonumber(redis.call('GET', state_key) or '0')
if tat < now_us then tat = now_us end
local function remaining_at(t) return math.max(math.floor((window_us - (t - now_us)) / interval_us), 0) end

if cost > limit then
  return {0, limit, remaining_at(tat), math.ceil((tat - now_us) / 1000), -1, window_ms, is_override}
end
-- floor: a rounded-up TAT would deny the last unit of an exact burst
local new_tat = math.floor(tat + cost * interval_us)
if new_tat - now_us > window_us then
  local wait_ms = math.max(math.ceil((new_tat - now_us - window_us) / 1000), 1)
  return {0, limit, remaining_at(tat), math.ceil((tat - now_us) / 1000), wait_ms, window_ms, is_override}
end
local reset_ms = math.max(math.ceil((new_tat - now_us) / 1000), 1)
redis.call('SET', state_key, int(new_tat), 'PX', reset_ms)
return {1, limit, remaining_at(new_tat), reset_ms, 0, window_ms, is_override}
