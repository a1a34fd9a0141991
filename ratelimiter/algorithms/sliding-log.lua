-- sliding-log: a sorted set of one member per unit taken (score = time, us); exact.
local reason = redis.call('GET', block_key)
if reason then return blocked(reason) end
local time = redis.call('TIME')
local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
local window_us = window_ms * 1000
redis.call('ZREMRANGEBYSCORE', state_key, '-inf', string.format('%.0f', now_us - window_us))
local count = redis.call('ZCARD', state_key)

if cost > limit or count + cost > limit then
  -- ms until the newest unit leaves: the whole limit is back
  local newest = redis.call('ZRANGE', state_key, -1, -1, 'WITHSCORES')
  local reset_ms = 0
  if newest[2] then reset_ms = math.ceil((tonumber(newest[2]) + window_us - now_us) / 1000) end
  local wait_ms = -1
  if cost <= limit then
    -- the (count + cost - limit)-th oldest unit must leave the window first
    local leaving = count + cost - limit
    local entry = redis.call('ZRANGE', state_key, leaving - 1, leaving - 1, 'WITHSCORES')
    wait_ms = math.max(math.ceil((tonumber(entry[2]) + window_us - now_us) / 1000), 1)
  end
  return {0, limit, math.max(limit - count, 0), reset_ms, wait_ms, window_ms, is_override}
end
-- Members are unique: two checks in the same microsecond see different counts.
local stamp = string.format('%.0f', now_us)
local batch = {}
for i = 1, cost do
  batch[#batch + 1] = stamp
  batch[#batch + 1] = stamp .. ':' .. (count + i)
  if #batch >= 2000 or i == cost then
    redis.call('ZADD', state_key, unpack(batch))
    batch = {}
  end
end
redis.call('PEXPIRE', state_key, window_ms)
return {1, limit, limit - count - cost, window_ms, 0, window_ms, is_override}
