-- wrk script: POST /api/v1/check {"key":"k<n>","cost":1} with n uniform over the key count
-- (first script argument, default 10000); done() prints one JSON line, latencies in microseconds.
local threadCount = 0

function setup(thread)
  threadCount = threadCount + 1
  thread:set("seed", threadCount)
end

function init(args)
  keyCount = tonumber(args[1]) or 10000
  math.randomseed(os.time() * 1000 + (seed or 0))
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local body = '{"key":"k' .. math.random(0, keyCount - 1) .. '","cost":1}'
  return wrk.format(nil, "/api/v1/check", nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
