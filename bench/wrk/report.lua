-- Shared by the intake benchmark's wrk scripts: print one JSON line with the counts and latency percentiles.
-- wrk reports p50/p75/p90/p99 only; bench/intake.py needs p95 too, so done() prints its own.
local M = {}

function M.done(summary, latency, extra)
  local parts = {
    string.format('"requests":%d', summary.requests),
    string.format('"duration_us":%d', summary.duration),
    string.format('"errors_connect":%d', summary.errors.connect),
    string.format('"errors_read":%d', summary.errors.read),
    string.format('"errors_write":%d', summary.errors.write),
    string.format('"errors_status":%d', summary.errors.status),
    string.format('"errors_timeout":%d', summary.errors.timeout),
    string.format('"p50_us":%d', latency:percentile(50)),
    string.format('"p95_us":%d', latency:percentile(95)),
    string.format('"p99_us":%d', latency:percentile(99)),
  }
  for key, value in pairs(extra or {}) do
    parts[#parts + 1] = string.format('"%s":%d', key, value)
  end
  io.write("BENCH-JSON {" .. table.concat(parts, ",") .. "}\n")
end

return M
