-- bench/act_report.lua DIR THREADS: the elementwise / activation table of
-- `make bench`, from the RESULT lines of bench/act_bench.lua (DIR/act.txt,
-- act.2.txt ... one per round) and bench/act_torch.py (act_torch.txt ...).
-- Each figure is the best over the rounds; ratio = PyTorch ms / luanet ms
-- (above 1: luanet is faster).
local dir, threads = arg[1], arg[2] or "?"
if not dir then
  io.stderr:write("usage: lua5.4 bench/act_report.lua DIR [THREADS]\n")
  os.exit(2)
end

local read = function (name) return require("bench.results").read(dir, name) end

-- print without the trailing blanks of empty last columns
local print0 = print
local function print (s) print0(s and (s:gsub("%s+$", "")) or "") end

local L, T = read("act"), read("act_torch")
if not L then
  io.stderr:write("act_report.lua: no " .. dir .. "/act.txt (run bench/act_bench.lua first)\n")
  os.exit(1)
end
T = T or {}

local function ms (v) return v and string.format("%.3f", v) or "-" end
local function ratio (peer, mine)
  return (peer and mine and mine > 0) and string.format("%.2fx", peer / mine) or "-"
end

-- do the checksums (sum of y, sum of dloss/dp) agree with PyTorch's on the
-- same input? Relative 1e-4, or 1e-6 per element absolute (sums of
-- values near 0, as softmax's gradient)
local numel = (L["shape rows"] or 0) * (L["shape cols"] or 0)
local function agree (op)
  local same, any = true, false
  for _, k in ipairs{"check_fwd", "check_grad"} do
    local a, b = L[op .. " " .. k], T[op .. " " .. k]
    if a and b then
      any = true
      if math.abs(a - b) > 1e-4 * math.max(math.abs(a), math.abs(b)) + 1e-6 * numel then same = false end
    end
  end
  return not any and "-" or (same and "ok" or "DIFF")
end

local ops = {"relu", "sigmoid", "tanh", "exp", "gelu", "gelu_tanh", "silu", "mish", "elu",
             "selu", "softplus", "leaky_relu", "log_softmax", "softmax"}
print()
print(string.format("Elementwise ops, %d x %d float32, %s thread%s: ms per call, best of %d round%s;",
  L["shape rows"] or 0, L["shape cols"] or 0, threads, threads == "1" and "" or "s",
  L.rounds, L.rounds == 1 and "" or "s"))
print("ratio = PyTorch ms / luanet ms (above 1: luanet is faster)")
local fmt = "%-12s | %8s %8s %6s | %8s %8s %6s | %s"
print(string.format("%-12s | %-24s | %-24s |", "", "forward", "fwd+bwd"))
print(string.format(fmt, "op", "luanet", "torch", "ratio", "luanet", "torch", "ratio", "same"))
for _, op in ipairs(ops) do
  if L[op .. " fwd_ms"] then
    local lf, tf = L[op .. " fwd_ms"], T[op .. " fwd_ms"]
    local lb, tb = L[op .. " fwdbwd_ms"], T[op .. " fwdbwd_ms"]
    print(string.format(fmt, op, ms(lf), ms(tf), ratio(tf, lf), ms(lb), ms(tb), ratio(tb, lb), agree(op)))
  end
end
local lbase, tbase = L["base fwdbwd_ms"], T["base fwdbwd_ms"]
if lbase then
  print(string.format(fmt, "(no op)", "", "", "", ms(lbase), ms(tbase), ratio(tbase, lbase), agree("base")))
end
print("forward: y = op(x), inference; fwd+bwd: loss = sum(op(x * p)), p of shape [cols],")
print("forward and backward; (no op): loss = sum(x * p), which every fwd+bwd figure includes.")
print("same: y and dloss/dp sum to the same values on both sides (the same x).")

if L["chain fwd_ms"] then
  print()
  print("Chain log(1 + tanh(h sigmoid(1.702 h))^2), 7 elementwise nodes, ms per call:")
  local cf = "%-9s | %8s %8s %8s | %9s %9s | %s"
  print(string.format(cf, "", "fused", "unfused", "torch", "unfused/", "torch/", "same"))
  print(string.format(cf, "", "luanet", "luanet", "eager", "fused", "fused", ""))
  for _, w in ipairs{{"forward", "fwd_ms"}, {"fwd+bwd", "fwdbwd_ms"}} do
    local f, u, t = L["chain " .. w[2]], L["chain_nofuse " .. w[2]], T["chain " .. w[2]]
    print(string.format(cf, w[1], ms(f), ms(u), ms(t), ratio(u, f), ratio(t, f), agree("chain")))
  end
  print(string.format("fused: g:compile{fuse = true}; model:chains(): %d ops chained, %d values "
    .. "in cache only", L["chain fwd_fused_ops"] or 0, L["chain fwd_cache_only"] or 0))
  print(string.format("in inference, %d and %d in training (the rest are read by the backward);",
    L["chain fwdbwd_fused_ops"] or 0, L["chain fwdbwd_cache_only"] or 0))
  print("unfused: fuse = false; fwd+bwd: loss = sum(chain(x * p)), as above.")
end

-- each figure is the best over the rounds, so one round with the machine
-- to itself is enough: warn when every round of a side was disturbed
local parts, noisy = {}, false
for _, c in ipairs{{"luanet", L}, {"torch", T}} do
  if c[2].others then
    local pct, least = {}, math.huge
    for i, o in ipairs(c[2].others) do pct[i] = string.format("%.0f%%", 100 * o); least = math.min(least, o) end
    parts[#parts + 1] = c[1] .. " " .. table.concat(pct, " ")
    noisy = noisy or least > 0.1
  end
end
if #parts > 0 then
  print("CPU taken by other processes, by round: " .. table.concat(parts, "; "))
  if noisy then
    print("WARNING: other processes used more than 10% of the CPUs in every round of a side:")
    print("its figures are unreliable; run again on an idle machine.")
  end
end
if not T.rounds then print("(no PyTorch figures: python3-torch is not installed)") end
