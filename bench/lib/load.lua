-- wrk script for the deadline-night benchmark.
--   wrk ... -s bench/lib/load.lua URL -- MODE [PATH] [DATA.lua]
-- MODE: page (GET PATH), entries (GET /entries), entry (GET /entries/ID), save (PATCH a draft),
-- submit (POST …/submit). Each request uses the next account (its own session cookie) and,
-- for entry/save/submit, the next of that account's drafts: a different entry per request.
-- Each wrk thread takes its own accounts (every WRK_THREADS-th, default 2, as bench/deadline-night
-- runs wrk -t2), so two threads never save the same draft at once.
local mode, path, accounts
local counter = 0
local stride = tonumber(os.getenv("WRK_THREADS") or "2")
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode, path = args[1], args[2]
  if args[3] then accounts = dofile(args[3]) end
  counter = tid or 0
end

local function next_account()
  while true do
    counter = counter + stride
    local a = accounts[(counter % #accounts) + 1]
    if mode == "entries" or #a[3] > 0 then return a end
  end
end

function request()
  if mode == "page" then return wrk.format("GET", path) end
  local a = next_account()
  local headers = { ["Cookie"] = "laurel_session=" .. a[1] }
  if mode == "entries" then return wrk.format("GET", "/entries", headers) end
  local entry = a[3][(math.floor(counter / #accounts) % #a[3]) + 1]
  if mode == "entry" then return wrk.format("GET", "/entries/" .. entry, headers) end
  headers["X-CSRF-Token"] = a[2]
  headers["Content-Type"] = "application/json"
  if mode == "save" then
    return wrk.format("PATCH", "/api/v1/submissions/" .. entry, headers,
      '{"fields":{"title_en":"Saved on deadline night, request ' .. counter .. '"}}')
  end
  return wrk.format("POST", "/api/v1/submissions/" .. entry .. "/submit", headers, "{}")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status, e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
