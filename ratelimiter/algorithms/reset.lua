-- Deletes every counter of one key (all algorithms), keeping its override and block. Idempotent.
local limit_key = KEYS[1]            -- hash: limit, window_ms, algorithm (a per-key override)
local fw_key = KEYS[2]
local sw_prefix = KEYS[3]            -- sliding-window counters: prefix + window index
local sl_key = KEYS[4]
local gcra_key = KEYS[5]
local default_window_ms = tonumber(ARGV[1])
-- Reply: the number of Redis keys deleted.

local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local deleted = redis.call('DEL', fw_key, sl_key, gcra_key)
local windows = {default_window_ms, tonumber(redis.call('HGET', limit_key, 'window_ms') or default_window_ms)}
for _, window_ms in ipairs(windows) do
  local index = math.floor(now_ms / window_ms)
  deleted = deleted + redis.call('DEL', sw_prefix .. string.format('%.0f', index), sw_prefix .. string.format('%.0f', index - 1))
end
return deleted
