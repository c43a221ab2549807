-- bench/nms_bench.lua: luanet.detect's NMS and Soft-NMS on random clustered
-- boxes, side by side with torchvision.ops.nms (Debian's
-- python3-torchvision, run by bench/nms_torch.py on the same boxes in the
-- same run) and a NumPy Soft-NMS. Prints milliseconds per call (the best
-- call within the time budget) and the ratio peer / luanet (above 1:
-- luanet is faster), and checks that luanet keeps the same boxes as
-- torchvision.
local ln = require "luanet"
local detect = require "luanet.detect"

local opt = ln.cli.parse(arg, [[
usage: luanet bench/nms_bench.lua [options]
Time hard NMS and Soft-NMS (linear, Gaussian) on random clustered boxes
against torchvision.ops.nms and a NumPy Soft-NMS.]], {
  {"sizes", "1000,10000", "box counts, comma-separated"},
  {"iou", 0.5, "hard NMS IoU threshold (both sides)"},
  {"budget", 1.0, "seconds of timed calls per measurement"},
  {"dir", "build/bench", "where the boxes (.npy) and results go"},
  {"python", "/usr/bin/python3", "the Python with torch and torchvision"},
  {"seed", 1, "random seed of the boxes"},
})
local wall = ln.core.wall
os.execute("mkdir -p '" .. opt.dir:gsub("'", "'\\''") .. "'")

-- n boxes in clusters of about 20 around n/20 centres in a 1000 x 1000
-- image (jitter 8 px, sides 20..60), scores uniform in (0, 1)
local function clustered (n)
  ln.seed(opt.seed + n)
  local u = ln.rand(n * 6):totable()
  local nc = math.max(1, n // 20)
  local centres = {}
  ln.seed(opt.seed + 7 * n)
  local cu = ln.rand(nc * 2):totable()
  for c = 1, nc do centres[c] = {60 + 880 * cu[2 * c - 1], 60 + 880 * cu[2 * c]} end
  local boxes, scores = {}, {}
  for i = 1, n do
    local k = (i - 1) * 6
    local c = centres[1 + math.floor(u[k + 1] * nc) % nc]
    local cx, cy = c[1] + 16 * (u[k + 2] - 0.5), c[2] + 16 * (u[k + 3] - 0.5)
    local w, h = 20 + 40 * u[k + 4], 20 + 40 * u[k + 5]
    boxes[i] = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2}
    scores[i] = 0.001 + 0.998 * u[k + 6]
  end
  return ln.tensor(boxes), ln.tensor(scores)
end

local function best_ms (f, min_calls)
  f()
  local best, t_end, calls = math.huge, wall() + opt.budget, 0
  while calls < (min_calls or 3) or wall() < t_end do
    local t0 = wall()
    f()
    best = math.min(best, wall() - t0)
    calls = calls + 1
  end
  return 1000 * best
end

local sizes = {}
for s in opt.sizes:gmatch("%d+") do sizes[#sizes + 1] = tonumber(s) end
local L, data = {}, {}
for _, n in ipairs(sizes) do
  local b, s = clustered(n)
  data[n] = {b, s}
  ln.npy_save(string.format("%s/boxes_%d.npy", opt.dir, n), b)
  ln.npy_save(string.format("%s/scores_%d.npy", opt.dir, n), s)
  local keep = detect.nms(b, s, {iou = opt.iou})
  local _, ls = detect.soft_nms(b, s, {method = "linear"})
  local _, gs = detect.soft_nms(b, s, {method = "gaussian"})
  L[n] = {keep = keep, n_keep = keep:numel(), n_lin = ls:numel(), n_gau = gs:numel(),
    nms = best_ms(function () detect.nms(b, s, {iou = opt.iou}) end),
    linear = best_ms(function () detect.soft_nms(b, s, {method = "linear"}) end),
    gaussian = best_ms(function () detect.soft_nms(b, s, {method = "gaussian"}) end),
    batched = best_ms(function () detect.batched_nms(b, s, ln.zeros({n}, "int32"), {iou = opt.iou}) end)}
end

-- the Python side, on the same files
local T, version = {}, nil
local cmd = string.format("%s bench/nms_torch.py %s %s --iou %g --budget %g 2>&1", opt.python,
                          opt.dir, table.concat(sizes, " "), opt.iou, opt.budget)
local p = io.popen(cmd)
local out = p:read("a")
p:close()
for line in out:gmatch("[^\n]+") do
  local n, what, v = line:match("^RESULT (%d+) (%S+) ([%d%.eE+-]+)")
  if n then
    n = tonumber(n)
    T[n] = T[n] or {}
    T[n][what] = tonumber(v)
  end
  version = version or line:match("^RESULT info torchvision (%S+)")
end
if not version then
  print("(torchvision not available: luanet's figures only; `make deps-bench` installs it)")
  print("# " .. out:gsub("\n", "\n# "))
end

local function ratio (peer, mine)
  if not peer or not mine or mine <= 0 then return "-" end
  return string.format("%.2fx", peer / mine)
end
local function ms (v) return v and string.format("%.3f", v) or "-" end

print(string.format("NMS on random clustered boxes, 1 thread, ms per call (best within %gs); "
  .. "ratio = peer / luanet (above 1: luanet faster)", opt.budget))
print(string.format("%-7s %-34s %10s %10s %-18s %8s", "boxes", "method", "luanet", "peer", "(peer)", "ratio"))
local ok_all = true
for _, n in ipairs(sizes) do
  local l, t = L[n], T[n] or {}
  print(string.format("%-7d %-34s %10s %10s %-18s %8s", n, string.format("hard NMS (iou %g, %d kept)",
    opt.iou, l.n_keep), ms(l.nms), ms(t.torchvision_nms), "torchvision.ops", ratio(t.torchvision_nms, l.nms)))
  print(string.format("%-7d %-34s %10s %10s %-18s %8s", n, "batched NMS (one class)", ms(l.batched),
    ms(t.torchvision_nms), "torchvision.ops", ratio(t.torchvision_nms, l.batched)))
  print(string.format("%-7d %-34s %10s %10s %-18s %8s", n, string.format("Soft-NMS linear (%d kept)", l.n_lin),
    ms(l.linear), ms(t.numpy_soft_linear), "NumPy", ratio(t.numpy_soft_linear, l.linear)))
  print(string.format("%-7d %-34s %10s %10s %-18s %8s", n, string.format("Soft-NMS gaussian (%d kept)", l.n_gau),
    ms(l.gaussian), ms(t.numpy_soft_gaussian), "NumPy", ratio(t.numpy_soft_gaussian, l.gaussian)))
  local f = io.open(string.format("%s/torch_keep_%d.npy", opt.dir, n), "rb")
  if f and version then
    f:close()
    local tk = ln.npy_load(string.format("%s/torch_keep_%d.npy", opt.dir, n))
    local same = tk:numel() == l.keep:numel()
    for i = 1, math.min(tk:numel(), l.keep:numel()) do
      if tk:get(i) ~= l.keep:get(i) - 1 then same = false; break end
    end
    ok_all = ok_all and same
    print(string.format("%-7d kept boxes identical to torchvision's: %s", n, same and "yes" or "NO"))
    print(string.format("RESULT nms%d luanet_ms %.4f torchvision_ms %.4f", n, l.nms, t.torchvision_nms or -1))
  end
end
if version then print("torchvision " .. version) end
if not ok_all then os.exit(1) end
