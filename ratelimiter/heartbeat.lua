-- One node's heartbeat: refresh its hash and its place in the index, forget nodes that went silent.
local index_key = KEYS[1]          -- sorted set: node id -> last heartbeat (ms, Redis clock)
local node_key = KEYS[2]           -- hash: this node's fields; expires unless refreshed
local node_id = ARGV[1]
local ttl_ms = tonumber(ARGV[2])   -- how long a registration outlives its last heartbeat
-- ARGV[3..]: field, value pairs of the node's hash
-- Reply: the number of registered nodes.

local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('HSET', node_key, 'heartbeat_at_ms', now_ms, unpack(ARGV, 3))
redis.call('PEXPIRE', node_key, ttl_ms)
redis.call('ZADD', index_key, now_ms, node_id)
redis.call('ZREMRANGEBYSCORE', index_key, '-inf', now_ms - ttl_ms)
redis.call('PEXPIRE', index_key, ttl_ms)
return redis.call('ZCARD', index_key)
