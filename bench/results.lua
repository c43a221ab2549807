-- bench/results.lua: what the processes of `make bench` share. Their
-- RESULT lines ("RESULT <tag> <what> <value> [unit]"), printed by the
-- luanet side and read back, over rounds, by the reports; and the timing
-- loop of the luanet side.
local M = {}

-- print one RESULT line ('fmt': the value's format, default %.6g)
function M.result (tag, what, v, unit, fmt)
  print(string.format("RESULT %s %s " .. (fmt or "%.6g") .. "%s", tag, what, v,
    unit and (" " .. unit) or ""))
  io.stdout:flush()
end

-- seconds per call of f: opt.warmup calls, then up to opt.repeats runs of
-- n calls (no new run once opt.budget seconds have gone by); the best run
function M.measure (n, f, opt)
  local wall = require("luanet").core.wall
  for _ = 1, opt.warmup do f() end
  local best, t_start = math.huge, wall()
  for _ = 1, opt.repeats do
    local t0 = wall()
    for _ = 1, n do f() end
    best = math.min(best, (wall() - t0) / n)
    if wall() - t_start > opt.budget then break end
  end
  return best
end

-- one process's RESULT lines merged into r: over rounds, the best figure
-- (the fewest ms or s, the most of anything else: images/s, RSS); the
-- share of the machine other processes took (bench/run.sh's "sys" lines)
-- appended to r.others, and its worst in r["sys other"]
local function read1 (path, r)
  local f = io.open(path)
  if not f then return false end
  local one, unit = {}, {}
  for line in f:lines() do
    local a, b, v, un = line:match("^RESULT (%S+) (%S+) ([%w%.+-]+)%s*(%S*)")
    v = tonumber(v)
    if a and v then one[a .. " " .. b], unit[a .. " " .. b] = v, un end
  end
  f:close()
  if one["sys capacity_s"] and one["proc cpu_s"] and one["sys capacity_s"] > 0 then
    local o = math.max(0, one["sys busy_s"] - one["proc cpu_s"]) / one["sys capacity_s"]
    one["sys other"] = o
    r.others = r.others or {}
    r.others[#r.others + 1] = o
  end
  for k, x in pairs(one) do
    local old = r[k]
    if old == nil then r[k] = x
    elseif unit[k] == "ms" or (unit[k] == "s" and k ~= "proc wall_s") then r[k] = math.min(old, x)
    else r[k] = math.max(old, x) end
  end
  return true
end

-- DIR/NAME.txt and NAME.2.txt, NAME.3.txt ... (bench/run.sh --rounds)
-- merged; r.rounds: how many; nil when there is none
function M.read (dir, name)
  local r = {}
  if not read1(dir .. "/" .. name .. ".txt", r) then return nil end
  local k = 2
  while read1(dir .. "/" .. name .. "." .. k .. ".txt", r) do k = k + 1 end
  r.rounds = k - 1
  return r
end

return M
