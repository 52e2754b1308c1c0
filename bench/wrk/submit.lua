-- wrk script: complete survey submissions, as a respondent's browser makes them, one connection per thread:
--   1. GET the form (a new visitor: no cookie), keep its session cookie, CSRF token and nonce;
--   2. POST every answer with them; expect 303 (counted as acknowledged) and its Location;
--   3. GET the Location (the thank-you page); a 200 completes the submission. Then a new visitor starts.
-- Run with as many threads as connections (-t32 -c32): each thread's Lua state then drives one connection, so the
-- steps of one respondent go in order. Usage: wrk -t32 -c32 -d15s -s bench/wrk/submit.lua http://127.0.0.1:PORT/s/T
package.path = "bench/wrk/?.lua;" .. package.path
local report = require("report")
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
  table.insert(threads, thread)
end

-- Item keys of the EIT questionnaire (surveys/eit-2568.yaml) and how many options each has.
local KEYS = {
  {"E1_1", 4}, {"E1_2", 4}, {"E2_1", 4}, {"E3_1", 4}, {"E4_1", 2}, {"E4_2", 2}, {"E4_3", 2}, {"E5_1", 4},
  {"E6_1", 4}, {"E6_2", 4}, {"E7_1", 4}, {"E8_1", 2}, {"E9_1", 4}, {"E10_1", 2}, {"E11_1", 4}, {"E12_1", 4},
  {"E13_1", 4}, {"E14_1", 4}, {"E15_1", 4},
}

function init(args)
  step, cookie, location, answers = "form", nil, nil, nil
  acknowledged, completed, unexpected, sent = 0, 0, 0, 0
  path = wrk.path
end

local function form_body(csrf, nonce)
  sent = sent + 1
  local fields = { "respondent_type=individual", "service=factory_licensing" }
  for n, key in ipairs(KEYS) do
    fields[#fields + 1] = key[1] .. "=" .. ((seed + sent + n) % key[2])
  end
  fields[#fields + 1] = "csrf_token=" .. csrf
  fields[#fields + 1] = "nonce=" .. nonce
  return table.concat(fields, "&")
end

function request()
  if step == "post" then
    return wrk.format("POST", path, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = cookie,
    }, answers)
  elseif step == "thanks" then
    return wrk.format("GET", location, { ["Cookie"] = cookie })
  end
  return wrk.format("GET", path, {})
end

local function restart()
  step, cookie, location, answers = "form", nil, nil, nil
end

function response(status, headers, body)
  if step == "form" then
    local set = headers["Set-Cookie"]
    local csrf = body:match('name="csrf_token" type="hidden" value="([^"]+)"')
    local nonce = body:match('name="nonce" type="hidden" value="([^"]+)"')
    if status ~= 200 or not set or not csrf or not nonce then unexpected = unexpected + 1; return restart() end
    cookie = set:match("^([^;]+)")
    answers = form_body(csrf, nonce)
    step = "post"
  elseif step == "post" then
    if status ~= 303 then unexpected = unexpected + 1; return restart() end
    acknowledged = acknowledged + 1
    location = headers["Location"]:gsub("^https?://[^/]+", "")
    step = "thanks"
  else
    if status == 200 then completed = completed + 1 else unexpected = unexpected + 1 end
    restart()
  end
end

function done(summary, latency, requests)
  local totals = { acknowledged = 0, completed = 0, unexpected = 0 }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + thread:get(key) end
  end
  report.done(summary, latency, totals)
end
