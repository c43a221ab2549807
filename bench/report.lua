-- bench/report.lua DIR CORE THREADS: the table of `make bench`, from the
-- RESULT lines that bench/run.sh collected in DIR (one file per process).
local dir, core, threads = arg[1], arg[2] or "?", arg[3] or "?"

local function read (name)
  local r = {}
  local f = io.open(dir .. "/" .. name .. ".txt")
  if not f then return nil end
  for line in f:lines() do
    local a, b, v = line:match("^RESULT (%S+) (%S+) ([%d%.eE+-]+)")
    if a then r[a .. " " .. b] = tonumber(v) end
  end
  f:close()
  return r
end

local L, T, TC, TB = read("luanet") or {}, read("torch"), read("torch_core"), read("torch_bf16")
local B1, B2 = read("bound") or {}, read("bound2") or {}
local function get (t, k) return t and t[k] end

local function ratio (a, b) return (a and b and b > 0) and string.format("%.2fx", a / b) or "-" end
local function num (v) return v and string.format("%.0f", v) or "-" end
local function mib (kb) return kb and string.format("%.0f MiB", kb / 1024) or "-" end

local TP = read("torch_passive")
print()
print(string.format("%-26s %7s %7s %6s %7s %6s %7s %6s %7s %6s",
  "images/s, " .. threads .. " threads", "luanet", "torch", "ratio", "torch*", "ratio*", "torch~", "ratio~", "bf16", "vs"))
for _, row in ipairs{{"mlp train (batch 128)", "mlp train"},
                     {"mlp infer (batch 128)", "mlp infer128"},
                     {"mlp infer (batch 1000)", "mlp infer1000"},
                     {"cnn train (batch 128)", "cnn train"},
                     {"cnn infer (batch 128)", "cnn infer128"}} do
  local k = row[2]
  local l, t, tc, tp, tb = L[k], get(T, k), get(TC, k), get(TP, k), get(TB, k)
  print(string.format("%-26s %7s %7s %6s %7s %6s %7s %6s %7s %6s", row[1], num(l), num(t),
    ratio(l, t), num(tc), ratio(l, tc), num(tp), ratio(l, tp), num(tb), ratio(l, tb)))
end
print("luanet: fp32; torch: PyTorch fp32 as installed; ratio = luanet / PyTorch images/s")
print(string.format("(above 1: luanet is faster); torch*: fp32 with OPENBLAS_CORETYPE=%s, the", core))
print("core luanet uses; torch~: fp32 with OMP_WAIT_POLICY=passive (PyTorch's OpenMP")
print("threads and its OpenBLAS's pthreads stop spinning against each other); bf16:")
print("PyTorch under torch.autocast(bf16), for reference (luanet has no bf16 mode yet).")

print()
local rss = {}
for _, c in ipairs{{"luanet", L}, {"torch", T}, {"torch*", TC}, {"torch~", TP}, {"torch bf16", TB}} do
  if c[2] then rss[#rss + 1] = c[1] .. " " .. mib(c[2]["rss peak_kb"]) end
end
print("peak RSS (VmHWM): " .. table.concat(rss, ", "))

-- the dense layers against bare sgemm of the same products: the bound
-- runs just before and just after luanet; the faster run counts
local bound_run = B1
if (B2["bound mlp_gemms_ms"] or math.huge) < (B1["bound mlp_gemms_ms"] or math.huge) then
  bound_run = B2
end
local bound = bound_run["bound mlp_gemms_ms"]
local dense, step = L["mlp dense_ms"], L["mlp step_ms"]
local function ms (v) return v and string.format("%.2f ms", v) or "-" end
local function frac (a, b) return (a and b and b > 0) and string.format("%.2f", a / b) or "-" end
print()
print(string.format("MLP dense layers vs bare sgemm of the same 8 products (ln_gemm, same OpenBLAS; runs: %s, %s)",
  ms(B1["bound mlp_gemms_ms"]), ms(B2["bound mlp_gemms_ms"])))
print(string.format("  %-44s %9s %9s %9s", "per training step", "forward", "backward", "total"))
print(string.format("  %-44s %9s %9s %9s   %s GFLOP/s", "bare sgemm (the bound)", ms(bound_run["bound fwd_ms"]),
  ms(bound_run["bound bwd_ms"]), ms(bound),
  bound_run["bound gflops"] and string.format("%.0f", bound_run["bound gflops"]) or "-"))
print(string.format("  %-44s %9s %9s %9s   bound/dense = %s (target >= 0.85)",
  "luanet's 3 linear nodes (per-node profiler)", ms(L["mlp dense_fwd_ms"]), ms(L["mlp dense_bwd_ms"]),
  ms(dense), frac(bound, dense)))
print(string.format("  %-44s %9s %9s %9s   bound/step  = %s",
  "luanet's whole step (model:step)", "", "", ms(step), frac(bound, step)))
print(string.format("    of which forward + backward of all nodes %s, the Adam update %s (timed apart)",
  ms(L["mlp fwdbwd_ms"]), ms(L["mlp adam_ms"])))
if T and T["mlp step_ms"] then
  print(string.format("  %-44s %9s %9s %9s   bound/step  = %s", "PyTorch's whole step, fp32 as installed", "", "",
    ms(T["mlp step_ms"]), frac(bound, T["mlp step_ms"])))
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
for _, c in ipairs{{"bound", B1}, {"luanet", L}, {"bound again", B2}, {"torch", T},
                   {"torch*", TC}, {"torch~", TP}, {"torch bf16", TB}} do
  local r = c[2]
  if r and r["sys capacity_s"] and r["proc cpu_s"] then
    local other = math.max(0, r["sys busy_s"] - r["proc cpu_s"]) / r["sys capacity_s"]
    if other > 0.1 then noisy = true end
    parts[#parts + 1] = string.format("%s %.0f%% (%.0f s)", c[1], 100 * other, r["proc wall_s"] or 0)
  end
end
print("CPU taken by other processes during each run (wall time): " .. table.concat(parts, ", "))
if noisy then
  print("WARNING: other processes used more than 10% of the CPUs during a run: the figures")
  print("are unreliable (OpenMP threads that wait for a descheduled peer lose whole time")
  print("slices); run again on an idle machine.")
end
