-- bench/report.lua DIR CORE: the table of `make bench` from the RESULT
-- lines that bench/run.sh collected in DIR.
local dir, core = arg[1], arg[2] or "?"

local function read (name)
  local r = {}
  local f = io.open(dir .. "/" .. name)
  if not f then return r end
  for line in f:lines() do
    local a, b, v = line:match("^RESULT (%S+) (%S+) ([%d%.]+)")
    if a then
      local k = a .. " " .. b
      -- keep the best of repeated lines (the bound is measured twice)
      if r[k] == nil or (b:match("_ms$") and tonumber(v) < r[k]) then r[k] = tonumber(v) end
    end
  end
  f:close()
  return r
end

local L, T, TC, TB, B = read("luanet.txt"), read("torch.txt"), read("torch_core.txt"),
                        read("torch_bf16.txt"), read("bound.txt")

local function ratio (a, b) return (a and b and b > 0) and string.format("%.2fx", a / b) or "-" end
local function num (v) return v and string.format("%.0f", v) or "-" end

print()
print(string.format("%-22s %12s %14s %14s %9s %9s %12s %9s", "images/s", "luanet fp32",
  "torch fp32", "torch fp32*", "ratio", "ratio*", "torch bf16", "vs bf16"))
for _, row in ipairs{{"mlp train", "mlp train"}, {"mlp infer (batch 128)", "mlp infer128"},
                     {"mlp infer (batch 1000)", "mlp infer1000"}, {"cnn train", "cnn train"},
                     {"cnn infer (batch 128)", "cnn infer128"}} do
  local k = row[2]
  print(string.format("%-22s %12s %14s %14s %9s %9s %12s %9s", row[1], num(L[k]), num(T[k]),
    num(TC[k]), ratio(L[k], T[k]), ratio(L[k], TC[k]), num(TB[k]), ratio(L[k], TB[k])))
end
print(string.format("(* PyTorch with OPENBLAS_CORETYPE=%s; 'vs bf16' compares luanet fp32 with", core))
print(" PyTorch's bf16 autocast, for reference: luanet's bf16 mode is a later issue)")
print()
local rss = {L["rss peak_kb"], T["rss peak_kb"], TC["rss peak_kb"], TB["rss peak_kb"]}
print(string.format("peak RSS: luanet %s MiB, torch fp32 %s MiB, torch fp32* %s MiB, torch bf16 %s MiB",
  rss[1] and string.format("%.0f", rss[1] / 1024) or "-", rss[2] and string.format("%.0f", rss[2] / 1024) or "-",
  rss[3] and string.format("%.0f", rss[3] / 1024) or "-", rss[4] and string.format("%.0f", rss[4] / 1024) or "-"))
local bound, dense = B["bound mlp_gemms_ms"], L["mlp dense_ms"]
print(string.format("MLP dense layers: %.2f ms per step in luanet (forward + backward of the 3 linear nodes)",
  dense or 0))
print(string.format("  bare sgemm of the same 8 products: %.2f ms  -> bound/luanet = %s (target >= 0.85)",
  bound or 0, bound and dense and string.format("%.2f", bound / dense) or "-"))
for _, m in ipairs{"mlp", "cnn"} do
  local p, n = L[m .. " memory_planned"], L[m .. " memory_naive"]
  if p and n then
    print(string.format("%s memory plan: %.2f MiB planned vs %.2f MiB naive = %.0f%% (target <= 60%%)",
      m, p / 1048576, n / 1048576, 100 * p / n))
  end
end
