-- registration.lua: wrk script for bench/registration_write.sh.
--
-- Every request is POST {path} with Content-Type: application/json and a body
-- {"name": ..., "email": ...} whose email is unique across the whole benchmark:
-- run id (from the command line) + wrk thread id + a per-thread counter. A
-- repeated email would be a 409 already_registered, which is not a write.
--
-- Usage: wrk -t1 -c200 -d10s --latency -s bench/registration.lua URL -- RUN_ID PATH [ORDER]
--   RUN_ID  letters/digits, different for every wrk run against one database
--   PATH    e.g. /api/events/27/registrations
--   ORDER   "sequential" (default): r<run>-t<thread>-<n>@..., which sort nearly in the
--           order they are sent; "random": the same with 8 random hex digits in front, so
--           the addresses fall all over the unique index on (event, email), as real
--           delegates' addresses do. Both stay unique.
--
-- Every response is counted by status (response() below), so a run where most
-- requests fail cannot pass for a fast one. done() prints, on one line each:
--   WRK_RESULT requests=N created=N non201=N duration_us=D p50_us=A p90_us=B p99_us=C
--              max_us=M connect_errors=N read_errors=N write_errors=N timeouts=N
--   WRK_STATUS <status>=<count> ...    every status seen (201 included)
--   WRK_TIMELINE <201s in 1st wall-clock second> <2nd> ...   (per second of wall
--              clock, merged over wrk threads; the first and last are partial)
-- requests = responses wrk completed (any status); created = 201s; non201 =
-- responses with any other status. Socket errors and timeouts are not responses.

local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  run_id = args[1] or tostring(os.time())
  path = args[2] or "/api/events/1/registrations"
  random_order = args[3] == "random"
  math.randomseed(os.time() + tid * 7919)
  counter = 0
  created = 0
  other = 0
  statuses = {}
  timeline = {}
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  counter = counter + 1
  local email = string.format("r%s-t%d-%d@bench.example.org", run_id, tid, counter)
  if random_order then
    email = string.format("%04x%04x-", math.random(0, 65535), math.random(0, 65535)) .. email
  end
  local body = string.format('{"name":"Bench Delegate %d-%d","email":"%s"}', tid, counter, email)
  return wrk.format("POST", path, headers, body)
end

function response(status, hdrs, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    created = created + 1
    local sec = os.time()
    timeline[sec] = (timeline[sec] or 0) + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local total_created, total_other = 0, 0
  local by_status, by_sec = {}, {}
  local first, last
  for _, t in ipairs(threads) do
    total_created = total_created + (t:get("created") or 0)
    total_other = total_other + (t:get("other") or 0)
    for s, n in pairs(t:get("statuses") or {}) do
      by_status[s] = (by_status[s] or 0) + n
    end
    for sec, n in pairs(t:get("timeline") or {}) do
      by_sec[sec] = (by_sec[sec] or 0) + n
      if not first or sec < first then first = sec end
      if not last or sec > last then last = sec end
    end
  end
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%.0f created=%.0f non201=%.0f duration_us=%.0f p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f connect_errors=%.0f read_errors=%.0f write_errors=%.0f timeouts=%.0f\n",
    summary.requests, total_created, total_other, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout))
  local keys = {}
  for s in pairs(by_status) do table.insert(keys, s) end
  table.sort(keys)
  local parts = {}
  for _, s in ipairs(keys) do table.insert(parts, string.format("%d=%d", s, by_status[s])) end
  io.write("WRK_STATUS " .. table.concat(parts, " ") .. "\n")
  local secs = {}
  if first then
    for sec = first, last do table.insert(secs, tostring(by_sec[sec] or 0)) end
  end
  io.write("WRK_TIMELINE " .. table.concat(secs, " ") .. "\n")
end
