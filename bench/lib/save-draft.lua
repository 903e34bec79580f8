-- wrk script for bench/scale-out: saves drafts (PATCH /api/v1/submissions/{id}, one field, as
-- the browser's autosave does), each request the next account's next draft.
--   wrk -tTHREADS ... -s bench/lib/save-draft.lua URL -- DATA.lua THREADS
-- DATA.lua (from bench/lib/seed.mjs): accounts[i] = {token, csrf, {draft ids…}}.
-- Unlike load.lua's `save`, no draft is ever saved by two requests at once: one person's autosave
-- is sequential, and two saves of one entry at once are a conflict (Laurel retries it, then
-- answers 409), which would measure collisions rather than saving. So each wrk thread takes its
-- own share of the accounts (account i goes to thread i % THREADS) and skips a draft whose save
-- is still in flight (freed when its answer, which names it, arrives; or after 11 s — wrk's
-- timeout is 10 s). `overlaps` counts requests that had to reuse a busy draft anyway (more
-- connections than drafts): they can conflict.
-- Counts answers by status and keeps the first few non-2xx answers (status and body).
-- errors = non-2xx answers (wrk itself counts only >= 400) + socket errors.
local work = {}    -- this thread's drafts: {token, csrf, id}, interleaved across its accounts
local pos = 0
local busy = {}    -- draft id → os.time() its save was sent
local counter = 0
local threads = {}
statuses = {}      -- per thread: status → count (read back in done())
samples = {}       -- per thread: the first few non-2xx answers, "STATUS body"
overlaps = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local accounts = dofile(args[1])
  local nthreads = tonumber(args[2] or "1")
  local mine = {}
  for i, a in ipairs(accounts) do
    if (i - 1) % nthreads == (tid or 0) and #a[3] > 0 then table.insert(mine, a) end
  end
  -- Round r takes each account's r-th draft: consecutive requests are different accounts.
  for r = 1, 1000 do
    local any = false
    for _, a in ipairs(mine) do
      if a[3][r] then table.insert(work, {a[1], a[2], a[3][r]}); any = true end
    end
    if not any then break end
  end
  if #work == 0 then error("save-draft.lua: no drafts for thread " .. tostring(tid)) end
end

function request()
  local now = os.time()
  local d
  for _ = 1, #work do
    pos = pos % #work + 1
    local c = work[pos]
    local t = busy[c[3]]
    if not t or now - t > 11 then d = c; break end
  end
  if not d then
    overlaps = overlaps + 1
    pos = pos % #work + 1
    d = work[pos]
  end
  busy[d[3]] = now
  counter = counter + 1
  return wrk.format("PATCH", "/api/v1/submissions/" .. d[3], {
    ["Cookie"] = "laurel_session=" .. d[1],
    ["X-CSRF-Token"] = d[2],
    ["Content-Type"] = "application/json",
  }, '{"fields":{"title_en":"Saved on deadline night, request ' .. (tid or 0) .. "-" .. counter .. '"}}')
end

function response(status, headers, body)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
  local id = body and body:match('"id":"([^"]+)"')
  if id then busy[id] = nil end
  if (status < 200 or status > 299) and #samples < 5 then
    table.insert(samples, k .. " " .. string.sub(body or "", 1, 300))
  end
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local e = summary.errors
  local all, kept, over = {}, {}, 0
  for _, t in ipairs(threads) do
    for k, n in pairs(t:get("statuses") or {}) do all[k] = (all[k] or 0) + n end
    for _, s in ipairs(t:get("samples") or {}) do if #kept < 5 then table.insert(kept, s) end end
    over = over + (t:get("overlaps") or 0)
  end
  local st, sm, non2xx = {}, {}, 0
  for k, n in pairs(all) do
    table.insert(st, string.format('"%s":%d', k, n))
    if k:sub(1, 1) ~= "2" then non2xx = non2xx + n end
  end
  for _, s in ipairs(kept) do table.insert(sm, json_string(s)) end
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"statuses":{%s},"overlaps":%d,"error_samples":[%s]}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + non2xx, non2xx,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(st, ","), over, table.concat(sm, ",")))
end
