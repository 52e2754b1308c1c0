-- wrk script: repeated GETs of one URL as new visitors (no cookie kept), counting unexpected statuses.
-- Usage: wrk -t2 -c32 -d15s -s bench/wrk/get.lua http://127.0.0.1:PORT/path
package.path = "bench/wrk/?.lua;" .. package.path
local report = require("report")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
end

function response(status, headers, body)
  if status ~= 200 then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end
  report.done(summary, latency, { unexpected = total })
end
