-- sliding-log: a sorted set of one member per unit taken (score = time, us); exact.
redis.call('ZREMRANGEBYSCORE', state_key, '-inf', int(now_us - window_us))
local count = redis.call('ZCARD', state_key)
local function until_empty_ms()
  local newest = redis.call('ZRANGE', state_key, -1, -1, 'WITHSCORES')
  if newest[2] == nil then return 0 end
  return math.ceil((tonumber(newest[2]) + window_us - now_us) / 1000)
end

if cost > limit then
  return {0, limit, math.max(limit - count, 0), until_empty_ms(), -1, window_ms, is_override}
end
if count + cost > limit then
  -- the (count + cost - limit)-th oldest unit must leave the window first
  local leaving = count + cost - limit
  local entry = redis.call('ZRANGE', state_key, leaving - 1, leaving - 1, 'WITHSCORES')
  local wait_ms = math.max(math.ceil((tonumber(entry[2]) + window_us - now_us) / 1000), 1)
  return {0, limit, math.max(limit - count, 0), until_empty_ms(), wait_ms, window_ms, is_override}
end
-- Members are unique: two checks in the same microsecond see different counts.
local stamp = int(now_us)
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
