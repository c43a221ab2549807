-- bench/luanet_bench.lua: luanet's side of `make bench`. Times MLP and CNN
-- training and inference on random data of the right shapes and prints
-- machine-readable lines for bench/run.sh (bench/report.lua) to compare with
-- PyTorch:  RESULT <model> <what> <value> [unit]
local ln = require "luanet"
local opt = ln.cli.parse(arg, [[
usage: luanet bench/luanet_bench.lua [options]
Time MLP (784-1024-1024-10) and CNN training (Adam, lr 1e-3) and inference
on random data of the right shapes; print RESULT lines (images/s, ms, bytes,
peak RSS).]], {
  {"threads", 0, "threads (0: all cores)"},
  {"batch", 128, "batch for training and inference"},
  {"steps", 40, "timed training steps per run for the MLP (the CNN runs a quarter)"},
  {"warmup", 5, "untimed steps before each measurement"},
  {"repeats", 3, "timed runs per measurement; the best is kept"},
  {"budget", 6, "seconds per measurement: no further run starts after this"},
  {"models", "mlp,cnn", "which models, comma-separated"},
  {"precision", "fp32", "fp32, or bf16 (mixed precision: bf16 inputs to the matrix products)"},
})
if opt.precision ~= "fp32" and opt.precision ~= "bf16" then
  io.stderr:write("luanet_bench.lua: --precision must be fp32 or bf16\n")
  os.exit(2)
end
if opt.threads > 0 then ln.threads(opt.threads) end
ln.seed(1)
local wall, B = ln.core.wall, opt.batch
local wall0 = wall()

local function build (name, batch)
  local g = ln.graph()
  local net = require("graphs." .. name)(g, {})
  local y = g:input("y", {"B"}, "int32")
  return g:compile{loss = net.output:cross_entropy(y), outputs = {logits = net.output},
                   batch = batch, precision = opt.precision}
end

local function feeds (name, batch)
  local x = name == "mlp" and ln.rand{batch, 784} or ln.rand{batch, 1, 28, 28}
  local y = ln.zeros({batch}, "int32")
  for i = 1, batch do y:set((i * 7) % 10, i) end
  return {x = x, y = y}
end

local bres = require "bench.results"
local function measure (n, f) return bres.measure(n, f, opt) end
local function result (model, what, v, unit) bres.result(model, what, v, unit, "%.4f") end

local function bench_model (name, steps)
  local m = build(name, B)
  local f = feeds(name, B)
  local adam = ln.optim.adam(m, {lr = 1e-3})
  local t = measure(steps, function () m:step(f, adam) end)
  result(name, "train", B / t, "img/s")
  result(name, "step_ms", 1000 * t, "ms")
  m:feed(f)
  local ti = measure(steps * 2, function () m.core:forward(false) end)
  result(name, "infer" .. B, B / ti, "img/s")
  for id = 1, m.core:size() do   -- which kernel each product runs on
    local k = m.core:kernel(id)
    if k ~= "" then print(string.format("# %s node %d (%s): %s", name, id, m.core:node(id).op, k)) end
  end
  local planned, naive = m:memory()
  result(name, "memory_planned", planned, "bytes")
  result(name, "memory_naive", naive, "bytes")
  if name == "mlp" then
    -- where a step goes: the engine's per-node timer over forward and
    -- backward (the dense layers are the 3 linear nodes), and the optimizer
    local best_rows, best_total = nil, math.huge
    for _ = 1, opt.repeats do      -- the best of 'repeats' profiles
      local rows, total = m:profile(f, steps)
      if total < best_total then best_rows, best_total = rows, total end
    end
    local dense_f, dense_b = 0, 0
    for _, r in ipairs(best_rows) do
      if r.op == "linear" then dense_f, dense_b = dense_f + r.fwd, dense_b + r.bwd end
    end
    result("mlp", "dense_ms", 1000 * (dense_f + dense_b), "ms")
    result("mlp", "dense_fwd_ms", 1000 * dense_f, "ms")
    result("mlp", "dense_bwd_ms", 1000 * dense_b, "ms")
    result("mlp", "profile_ms", 1000 * best_total, "ms")
    m:feed(f)
    result("mlp", "fwdbwd_ms", 1000 * measure(steps, function ()
      m.core:forward(true); m.core:backward() end), "ms")
    result("mlp", "adam_ms", 1000 * measure(steps, function () adam:step() end), "ms")
    -- inference at batch 1000 (a model compiled for that batch)
    local big = build("mlp", 1000)
    big:feed(feeds("mlp", 1000))
    local tb = measure(math.max(4, steps // 4), function () big.core:forward(false) end)
    result("mlp", "infer1000", 1000 / tb, "img/s")
  end
end

print("# " .. ln.config():gsub("\n", "\n# "))
print("# precision " .. opt.precision)
for name in opt.models:gmatch("[^,]+") do
  bench_model(name, name == "cnn" and math.max(4, opt.steps // 4) or opt.steps)
end
result("proc", "wall_s", wall() - wall0, "s")
result("proc", "cpu_s", os.clock(), "s")   -- the whole process, all threads
local status = io.open("/proc/self/status")
if status then
  local s = status:read("a")
  status:close()
  result("rss", "peak_kb", tonumber(s:match("VmHWM:%s*(%d+)")) or 0, "kB")
end
