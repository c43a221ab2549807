-- bench/report.lua DIR CORE THREADS: the table of `make bench`, from the
-- RESULT lines that bench/run.sh collected in DIR (one file per process).
local dir, core, threads = arg[1], arg[2] or "?", arg[3] or "?"

local read = function (name) return require("bench.results").read(dir, name) end

local L, LB = read("luanet") or {}, read("luanet_bf16")
local T, TP, TB = read("torch"), read("torch_passive"), read("torch_bf16")
local B1, B2, SG = read("bound") or {}, read("bound2") or {}, read("sgemm")
local function get (t, k) return t and t[k] end

local function ratio (a, b) return (a and b and b > 0) and string.format("%.2fx", a / b) or "-" end
local function num (v) return v and string.format("%.0f", v) or "-" end
local function mib (kb) return kb and string.format("%.0f MiB", kb / 1024) or "-" end
-- ratio against its target: "ok" or "MISS"
local function mark (a, b, target)
  if not (a and b and b > 0 and target) then return "" end
  return a / b >= target and "ok" or "MISS"
end

print()
print(string.format("%-24s | %7s %7s %6s %4s %4s | %7s %7s %6s %4s %4s | %7s %6s",
  "images/s, " .. threads .. " threads", "luanet", "torch", "ratio", "goal", "",
  "luanet", "torch", "ratio", "goal", "", "torch~", "ratio~"))
print(string.format("%-24s | %7s %7s %6s %4s %4s | %7s %7s %6s %4s %4s | %7s %6s", "",
  "fp32", "fp32", "", "", "", "bf16", "bf16 ac", "", "", "", "fp32", ""))
local goals = {["mlp train"] = {4, 1.5}, ["cnn train"] = {1.5, 1.5},
               ["mlp infer128"] = {1.5, 1.5}, ["cnn infer128"] = {1.5, 1.5}}
for _, row in ipairs{{"mlp train (batch 128)", "mlp train"},
                     {"mlp infer (batch 128)", "mlp infer128"},
                     {"mlp infer (batch 1000)", "mlp infer1000"},
                     {"cnn train (batch 128)", "cnn train"},
                     {"cnn infer (batch 128)", "cnn infer128"}} do
  local k, g = row[2], goals[row[2]] or {}
  local l, t, lb, tb, tp = L[k], get(T, k), get(LB, k), get(TB, k), get(TP, k)
  print(string.format("%-24s | %7s %7s %6s %4s %4s | %7s %7s %6s %4s %4s | %7s %6s", row[1],
    num(l), num(t), ratio(l, t), g[1] and (g[1] .. "x") or "", mark(l, t, g[1]),
    num(lb), num(tb), ratio(lb, tb), g[2] and (g[2] .. "x") or "", mark(lb, tb, g[2]),
    num(tp), ratio(l, tp)))
end
print("ratio = luanet / PyTorch images/s (above 1: luanet is faster); goal: the issue's")
print("targets. torch: PyTorch fp32 as installed; bf16 ac: PyTorch under")
print("torch.autocast(\"cpu\", bfloat16); torch~: fp32 with OMP_WAIT_POLICY=passive (its")
print("OpenMP threads and its OpenBLAS's pthreads stop spinning against each other),")
print("ratio~ = luanet fp32 / torch~.")

print()
local rss = {}
for _, c in ipairs{{"luanet fp32", L}, {"luanet bf16", LB}, {"torch fp32", T},
                   {"torch~", TP}, {"torch bf16", TB}} do
  if c[2] and c[2]["rss peak_kb"] then rss[#rss + 1] = c[1] .. " " .. mib(c[2]["rss peak_kb"]) end
end
print("peak RSS (VmHWM, each process; luanet's includes its batch-1000 model): " ..
  table.concat(rss, ", "))

-- the MLP step against the bare oneDNN loop: the faster of the two runs
local function ms (v) return v and string.format("%.2f ms", v) or "-" end
local function frac (a, b) return (a and b and b > 0) and string.format("%.2f", a / b) or "-" end
print()
print("MLP training step (batch 128) against the bare C bound: the 8 products through")
print("oneDNN, the bf16 conversions, one fused Adam pass (bench/dnnl_bound.c; best of the")
print("runs before and after luanet)")
print(string.format("  %-6s %22s %22s %12s %s", "", "bound", "luanet model:step",
  "bound/step", "(goal >= 0.70)"))
for _, p in ipairs{{"fp32", L}, {"bf16", LB}} do
  local key = "bound_" .. p[1] .. " step_ms"
  local b = math.min(B1[key] or math.huge, B2[key] or math.huge)
  if b == math.huge then b = nil end
  local s = p[2] and p[2]["mlp step_ms"]
  print(string.format("  %-6s %22s %22s %12s %s", p[1],
    b and string.format("%.2f ms (%.0f img/s)", b, 128 / b * 1000) or "-",
    s and string.format("%.2f ms (%.0f img/s)", s, 128 / s * 1000) or "-", frac(b, s),
    (b and s) and (b / s >= 0.7 and "ok" or "MISS") or ""))
end
for _, p in ipairs{{"fp32", L}, {"bf16", LB}} do
  local r = p[2]
  if r then
    print(string.format("  luanet %s: forward + backward %s (the 3 linear nodes %s), Adam %s;"
      .. " bound's Adam %s", p[1], ms(r["mlp fwdbwd_ms"]), ms(r["mlp dense_ms"]), ms(r["mlp adam_ms"]),
      ms(math.min(B1["bound_" .. p[1] .. " adam_ms"] or math.huge, B2["bound_" .. p[1] .. " adam_ms"] or math.huge))))
  end
end
if SG and SG["bound mlp_gemms_ms"] then
  print(string.format("  (the same 8 products through OpenBLAS sgemm, core %s: %s)", core,
    ms(SG["bound mlp_gemms_ms"])))
end
if T and T["mlp step_ms"] then
  print(string.format("  PyTorch's step: fp32 %s, bf16 autocast %s", ms(T["mlp step_ms"]),
    ms(get(TB, "mlp step_ms"))))
end

print()
for _, m in ipairs{"mlp", "cnn"} do
  local p, n = L[m .. " memory_planned"], L[m .. " memory_naive"]
  if p and n then
    print(string.format("%s memory plan (model:memory()): %.2f MiB planned vs %.2f MiB naive = %.0f%%",
      m, p / 1048576, n / 1048576, 100 * p / n))
  end
end

-- how much of the machine other processes took while each side ran
print()
local noisy, parts = false, {}
for _, c in ipairs{{"bound", B1}, {"luanet", L}, {"luanet bf16", LB}, {"bound again", B2},
                   {"torch", T}, {"torch~", TP}, {"torch bf16", TB}} do
  local r = c[2]
  if r and r["sys other"] then
    if r["sys other"] > 0.1 then noisy = true end
    parts[#parts + 1] = string.format("%s %.0f%% (%.0f s)", c[1], 100 * r["sys other"], r["proc wall_s"] or 0)
  end
end
print(string.format("CPU taken by other processes (the worst of %d round%s; wall time): %s",
  L.rounds or 1, (L.rounds or 1) == 1 and "" or "s", table.concat(parts, ", ")))
if noisy then
  print("WARNING: other processes used more than 10% of the CPUs during a run: the figures")
  print("are unreliable (OpenMP threads that wait for a descheduled peer lose whole time")
  print("slices); run again on an idle machine.")
end
