-- GCRA for peer (d): one key holds the theoretical arrival time (TAT), clock from Redis TIME.
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])

local time = redis.call("TIME")
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local intervalMs = windowMs / limit -- one token's emission interval
local tatMs = tonumber(redis.call("GET", key)) or nowMs
if tatMs < nowMs then tatMs = nowMs end
local newTatMs = tatMs + cost * intervalMs

if newTatMs - windowMs > nowMs then
  local remaining = math.floor((windowMs - (tatMs - nowMs)) / intervalMs)
  return { 0, remaining, math.ceil(tatMs - nowMs), math.ceil(newTatMs - windowMs - nowMs) }
end
redis.call("SET", key, string.format("%.0f", newTatMs), "PX", math.ceil(newTatMs - nowMs))
local remaining = math.floor((windowMs - (newTatMs - nowMs)) / intervalMs)
return { 1, remaining, math.ceil(newTatMs - nowMs), 0 }
