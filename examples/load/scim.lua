-- wrk script for examples/load/run.sh: one SCIM workload per run, requests varied per request.
--
--   wrk -s scim.lua http://127.0.0.1:PORT -- WORKLOAD USERS_TSV GROUPS_TSV TOKEN RUN_ID [OFFSET]
--
-- WORKLOAD is one of
--   lookup      GET /scim/v2/Users?filter=userName eq "user{i}@example.com", cycling over users
--   get_id      GET /scim/v2/Users/{id}, cycling over users
--   page        GET /scim/v2/Users?startIndex=N&count=100, N cycling over 1, 101, ... < #users
--   patch_user  PATCH /scim/v2/Users/{id} replacing displayName with a new value each time
--   group_add   PATCH /scim/v2/Groups/{gid} adding one member; (group, user) pairs are distinct
--               per request (users from index 2000 on, which seed.py put in no group), so
--               every add really adds (until 100 groups x 8000 users are used up)
--   post_user   POST /scim/v2/Users with a new userName each time (RUN_ID keeps runs apart)
-- USERS_TSV / GROUPS_TSV are `id<TAB>name` files (seed.py --out-dir, or the baseline's
-- --ids-out; GROUPS_TSV may be "-"). OFFSET (default 0) starts the request counter further
-- on, so that several runs against one server never send the same body twice. At the end one
-- line is printed:
--   RESULT requests=N duration_us=N p50_us=N p99_us=N non2xx=N errors=N
-- and, when the environment names a file in WRK_QUANTILES, the request count and the latency
-- quantiles 0.1%, 0.2%, ..., 100% (µs) are written there, one a line, for merging runs.
-- Each wrk thread has its own Lua state; `tid` (set in setup) spreads threads over the data.

local BASE = "/scim/v2"
local PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
local USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"

local threads = {}
local next_tid = 0

function setup(thread)
   thread:set("tid", next_tid)
   table.insert(threads, thread)
   next_tid = next_tid + 1
end

local function read_tsv(path)
   local ids, names = {}, {}
   if path == nil or path == "-" then return ids, names end
   local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
   for line in f:lines() do
      local id, name = line:match("^([^\t]+)\t(.*)$")
      if id then
         ids[#ids + 1] = id
         names[#names + 1] = name
      end
   end
   f:close()
   return ids, names
end

local function urlencode(s)
   return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local workload, user_ids, user_names, group_ids, headers, run_id
local n_threads = 1
local counter = 0
local prepared = nil

function init(args)
   workload = args[1]
   user_ids, user_names = read_tsv(args[2])
   group_ids = read_tsv(args[3])
   run_id = args[5] or "0"
   counter = tonumber(args[6] or "0")
   headers = {
      ["Authorization"] = "Bearer " .. args[4],
      ["Accept"] = "application/scim+json",
   }
   n_threads = tonumber(os.getenv("WRK_THREADS") or "1")
   assert(#user_ids > 0, "no users in " .. tostring(args[2]))
   -- GETs are formatted once, so the client spends its share of the 2 cores on I/O.
   if workload == "lookup" then
      prepared = {}
      for i = 1, #user_names do
         local filter = 'userName eq "' .. user_names[i] .. '"'
         prepared[i] = wrk.format("GET", BASE .. "/Users?filter=" .. urlencode(filter), headers)
      end
   elseif workload == "get_id" then
      prepared = {}
      for i = 1, #user_ids do
         prepared[i] = wrk.format("GET", BASE .. "/Users/" .. user_ids[i], headers)
      end
   elseif workload == "page" then
      prepared = {}
      for start = 1, #user_ids, 100 do
         prepared[#prepared + 1] =
            wrk.format("GET", BASE .. "/Users?startIndex=" .. start .. "&count=100", headers)
      end
   elseif workload == "patch_user" or workload == "group_add" or workload == "post_user" then
      headers["Content-Type"] = "application/scim+json"
      if workload == "group_add" then assert(#group_ids > 0, "no groups") end
   else
      error("unknown workload " .. tostring(workload))
   end
end

function request()
   -- k is unique across threads: thread tid takes tid, tid + n, tid + 2n, ...
   local k = counter * n_threads + tid
   counter = counter + 1
   if prepared then
      -- Threads start at different offsets (a prime stride) so they do not move in step.
      return prepared[((k * 7919) % #prepared) + 1]
   elseif workload == "patch_user" then
      local i = (k * 7919) % #user_ids + 1
      local body = '{"schemas":["' .. PATCH_URN .. '"],"Operations":[{"op":"replace",'
         .. '"path":"displayName","value":"Load ' .. run_id .. "-" .. k .. '"}]}'
      return wrk.format("PATCH", BASE .. "/Users/" .. user_ids[i], headers, body)
   elseif workload == "group_add" then
      local g = k % #group_ids + 1
      local first = math.min(2000, #user_ids - 1)
      local u = first + math.floor(k / #group_ids) % (#user_ids - first) + 1
      local body = '{"schemas":["' .. PATCH_URN .. '"],"Operations":[{"op":"add",'
         .. '"path":"members","value":[{"value":"' .. user_ids[u] .. '"}]}]}'
      return wrk.format("PATCH", BASE .. "/Groups/" .. group_ids[g], headers, body)
   else -- post_user
      local name = "load-" .. run_id .. "-" .. k .. "@example.com"
      local body = '{"schemas":["' .. USER_URN .. '"],"userName":"' .. name .. '",'
         .. '"externalId":"load-' .. run_id .. "-" .. k .. '",'
         .. '"name":{"givenName":"Load","familyName":"User' .. k .. '","formatted":"Load User' .. k .. '"},'
         .. '"displayName":"Load User' .. k .. '",'
         .. '"emails":[{"value":"' .. name .. '","type":"work","primary":true}],"active":true}'
      return wrk.format("POST", BASE .. "/Users", headers, body)
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      e.status, e.connect + e.read + e.write + e.timeout))
   local path = os.getenv("WRK_QUANTILES")
   if path and path ~= "" then
      local f = assert(io.open(path, "w"))
      f:write(summary.requests, "\n")
      -- (wrk's percentile(100) is 0: the maximum stands for 100%.)
      for i = 1, 999 do
         f:write(latency:percentile(i / 10), "\n")
      end
      f:write(latency.max, "\n")
      f:close()
   end
end
