-- bench/luanet_bench.lua: luanet's side of `make bench`. Prints RESULT lines
-- (images/s, ms, bytes) for bench/run.sh to compare with PyTorch.
local ln = require "luanet"
local opt = ln.cli.parse(arg, [[
usage: luanet bench/luanet_bench.lua [options]
Time MLP and CNN training and inference on random data of the right shapes.]], {
  {"threads", 0, "threads (0: all cores)"},
  {"steps", 40, "timed training steps for the MLP (the CNN runs a quarter)"},
  {"repeats", 3, "repeat each measurement and keep the best"},
})
if opt.threads > 0 then ln.threads(opt.threads) end
ln.seed(1)
local wall = ln.core.wall

local function build (name, batch)
  local g = ln.graph()
  local net = require("graphs." .. name)(g, {})
  local y = g:input("y", {"B"}, "int32")
  local m = g:compile{loss = net.output:cross_entropy(y), outputs = {logits = net.output}, batch = batch}
  return m
end

local function feeds (name, batch)
  local x = name == "mlp" and ln.rand{batch, 784} or ln.rand{batch, 1, 28, 28}
  local y = ln.zeros({batch}, "int32")
  for i = 1, batch do y:set((i * 7) % 10, i) end
  return {x = x, y = y}
end

-- best of 'repeats' runs of 'n' calls of f, in seconds per call
local function best (n, f)
  local b = math.huge
  for _ = 1, opt.repeats do
    local t0 = wall()
    for _ = 1, n do f() end
    b = math.min(b, (wall() - t0) / n)
  end
  return b
end

local function bench_model (name, steps)
  local m = build(name, 128)
  local f = feeds(name, 128)
  local adam = ln.optim.adam(m, {lr = 1e-3})
  for _ = 1, 3 do m:step(f, adam) end
  local t = best(steps, function () m:step(f, adam) end)
  print(string.format("RESULT %s train %.1f img/s", name, 128 / t))
  print(string.format("RESULT %s train_ms %.3f", name, 1000 * t))
  m:feed(f)
  local ti = best(steps * 2, function () m.core:forward(false) end)
  print(string.format("RESULT %s infer128 %.1f img/s", name, 128 / ti))
  local planned, naive = m:memory()
  print(string.format("RESULT %s memory_planned %d", name, planned))
  print(string.format("RESULT %s memory_naive %d", name, naive))
  if name == "mlp" then
    -- the dense layers' share of a step, from the engine's per-node timer
    local rows, total = m:profile(f, steps)
    local dense = 0
    for _, r in ipairs(rows) do if r.op == "linear" then dense = dense + r.fwd + r.bwd end end
    print(string.format("RESULT mlp dense_ms %.3f", 1000 * dense))
    print(string.format("RESULT mlp fwdbwd_ms %.3f", 1000 * total))
    local big = build("mlp", 1000)
    local fb = feeds("mlp", 1000)
    big:feed(fb)
    big.core:forward(false)
    local tb = best(math.max(4, steps // 4), function () big.core:forward(false) end)
    print(string.format("RESULT mlp infer1000 %.1f img/s", 1000 / tb))
  end
end

print("# " .. ln.config():gsub("\n", "\n# "))
bench_model("mlp", opt.steps)
bench_model("cnn", math.max(4, opt.steps // 4))
local status = io.open("/proc/self/status")
if status then
  local s = status:read("a")
  status:close()
  print(string.format("RESULT rss peak_kb %d", tonumber(s:match("VmHWM:%s*(%d+)")) or 0))
end
