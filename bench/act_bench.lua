-- bench/act_bench.lua: luanet's side of the elementwise / activation table
-- of `make bench` (bench/act_torch.py is PyTorch's, bench/act_report.lua
-- prints the two side by side). For each op on a rows x cols float32
-- tensor it times
--   fwd:    inference, y = op(x) (model.core:forward(false), the input fed
--           once before: PyTorch's side has its input in place too)
--   fwdbwd: training, h = x * p (p a parameter of shape {cols}, ones),
--           y = op(h), loss = y:sum(); forward(true) + backward()
-- and a composed chain of 7 elementwise nodes, compiled with fuse = true
-- and fuse = false; "base" is the training graph without an op
-- (loss = sum(x * p)), what every fwdbwd figure includes. Prints  RESULT <op> <what> <value> [unit]  lines,
-- and checksums of y and of dloss/dp that the report compares with
-- PyTorch's on the same input (--save writes it as .npy).
local ln = require "luanet"
local opt = ln.cli.parse(arg, [[
usage: luanet bench/act_bench.lua [options]
Time elementwise ops and activations (forward, and forward + backward of
sum(op(x * p))) and a 7-op elementwise chain, fused and unfused, on a
rows x cols float32 tensor; print RESULT lines (ms per call).]], {
  {"threads", 0, "threads (0: all cores)"},
  {"rows", 128, "rows of the tensor"},
  {"cols", 4096, "columns of the tensor (softmax and log_softmax run along them)"},
  {"ops", "all", "ops to time, comma-separated (all: every op, chain and base; --list)"},
  {"calls", 50, "calls per timed run"},
  {"warmup", 5, "untimed calls before each measurement"},
  {"repeats", 10, "timed runs per measurement; the best is kept"},
  {"budget", 1, "seconds per measurement: no further run starts after this"},
  {"save", "", "write the input x to this .npy file (for bench/act_torch.py --input)"},
  {"list", false, "print the op names and exit"},
})
if opt.threads > 0 then ln.threads(opt.threads) end
local wall = ln.core.wall
local wall0 = wall()

-- the ops, in table order: name and how it applies to a node (the
-- attributes spelt out where PyTorch's defaults are the same values)
local OPS = {
  {"relu", function (h) return h:relu() end},
  {"sigmoid", function (h) return h:sigmoid() end},
  {"tanh", function (h) return h:tanh() end},
  {"exp", function (h) return h:exp() end},
  {"gelu", function (h) return h:gelu{approximate = "none"} end},
  {"gelu_tanh", function (h) return h:gelu{approximate = "tanh"} end},
  {"silu", function (h) return h:silu() end},
  {"mish", function (h) return h:mish() end},
  {"elu", function (h) return h:elu{alpha = 1} end},
  {"selu", function (h) return h:selu() end},
  {"softplus", function (h) return h:softplus{beta = 1, threshold = 20} end},
  {"leaky_relu", function (h) return h:leaky_relu{a = 0.01} end},
  {"log_softmax", function (h) return h:log_softmax{axis = -1} end},
  {"softmax", function (h) return h:softmax{axis = -1} end},
}

-- the chain: log(1 + tanh(h sigmoid(1.702 h))^2), 7 elementwise nodes
-- (mul_scalar, sigmoid, mul, tanh, square, add_scalar, log)
local function chain (h)
  local s = (h * 1.702):sigmoid()
  return (h * s):tanh():square():add_scalar(1):log()
end

if opt.list then
  for _, o in ipairs(OPS) do print(o[1]) end
  print("chain")
  print("base")
  os.exit(0)
end

local wanted = {}
for name in opt.ops:gmatch("[^,]+") do wanted[name] = true end
local function want (name) return wanted.all or wanted[name] end
for name in pairs(wanted) do
  local known = name == "all" or name == "chain" or name == "base"
  for _, o in ipairs(OPS) do known = known or o[1] == name end
  if not known then
    io.stderr:write("act_bench.lua: --ops: unknown op '", name, "' (--list shows them)\n")
    os.exit(2)
  end
end

local bres = require "bench.results"
local function measure (f) return bres.measure(opt.calls, f, opt) end
local result = bres.result

-- the sum of a tensor's elements (from its mean: no copy into Lua)
local function total (t)
  local _, _, mean = t:stats()
  return mean * t:numel()
end

local R, C = opt.rows, opt.cols
-- input in [-4, 4): every op sees both signs, exp and softplus stay finite
ln.seed(1)
local x = ln.rand{R, C} * 8 - 4
if opt.save ~= "" then ln.npy_save(opt.save, x) end

-- inference: y = f(x); ms per forward and the sum of y
local function bench_fwd (name, f, fuse)
  local g = ln.graph()
  local y = f(g:input("x", {R, C}))
  local m = g:compile{outputs = {y = y}, batch = R, fuse = fuse}
  m:feed{x = x}
  local t = measure(function () m.core:forward(false) end)
  result(name, "fwd_ms", 1000 * t, "ms")
  result(name, "check_fwd", total(m:output("y")))
  return m
end

-- training: loss = sum(f(x * p)); ms per forward + backward, and the sum
-- of dloss/dp
local function bench_fwdbwd (name, f, fuse)
  local g = ln.graph()
  local p = g:param("p", {C}, "ones")
  local loss = f(g:input("x", {R, C}) * p):sum()
  local m = g:compile{loss = loss, batch = R, fuse = fuse}
  m:feed{x = x}
  local t = measure(function () m.core:forward(true); m.core:backward() end)
  result(name, "fwdbwd_ms", 1000 * t, "ms")
  result(name, "check_grad", total(m:grad("p")))
  return m
end

print("# " .. ln.config():gsub("\n", "\n# "))
print(string.format("# %d x %d float32, %d calls per run, best of %d runs", R, C, opt.calls, opt.repeats))
-- what feeding the input costs (left out of fwd_ms): one copy into the model
do
  local g = ln.graph()
  local m = g:compile{outputs = {y = g:input("x", {R, C}):relu()}, batch = R}
  result("feed", "ms", 1000 * measure(function () m:feed{x = x} end), "ms")
end
result("shape", "rows", R)
result("shape", "cols", C)
if want("base") then bench_fwdbwd("base", function (h) return h end, true) end
for _, o in ipairs(OPS) do
  if want(o[1]) then
    bench_fwd(o[1], o[2], true)
    bench_fwdbwd(o[1], o[2], true)
  end
end
if want("chain") then
  for _, fuse in ipairs{true, false} do
    local name = fuse and "chain" or "chain_nofuse"
    local mf = bench_fwd(name, chain, fuse)
    local mb = bench_fwdbwd(name, chain, fuse)
    -- how much the plan fused: chains, nodes in them, values in cache only
    for _, c in ipairs{{"fwd", mf}, {"fwdbwd", mb}} do
      local n, nodes, elided = c[2]:chains()
      print(string.format("# %s %s: %d chain%s of %d ops, %d value%s in cache only", name, c[1],
        n, n == 1 and "" or "s", nodes, elided, elided == 1 and "" or "s"))
      result(name, c[1] .. "_fused_ops", nodes)
      result(name, c[1] .. "_cache_only", elided)
    end
  end
end
result("proc", "wall_s", wall() - wall0, "s")
result("proc", "cpu_s", os.clock(), "s")   -- the whole process, all threads
