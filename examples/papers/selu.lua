-- examples/papers/selu.lua: Self-Normalizing Neural Networks (Klambauer,
-- Unterthiner, Mayr, Hochreiter 2017, arXiv:1706.02515).
--
-- The claim: with SELU activations, lecun_normal weights (variance 1/fan_in)
-- and alpha_dropout, activations converge to mean 0 and variance 1 layer
-- after layer, so a deep plain feed-forward net stays trainable without any
-- normalization layer. Here a 32-layer net on Fashion-MNIST: the per-layer
-- mean and variance at initialisation, and the test accuracy after
-- training, against ReLU nets of the same depth without normalization
-- (PyTorch's default init, and He init).
local ln = require "luanet"
local nn = ln.nn

local opt = ln.cli.parse(arg, [[
usage: luanet examples/papers/selu.lua [options]
Self-normalizing networks (SELU + lecun_normal + alpha_dropout) against ReLU
nets of the same depth without normalization, on Fashion-MNIST: per-layer
activation mean / variance at initialisation, and test accuracy. Writes a
PNG of the per-layer statistics and one of the training curves.]], {
  {"depth", 32, "hidden layers"},
  {"width", 256, "units per hidden layer"},
  {"dropout", 0.02, "alpha_dropout rate after every SELU layer (0: none)"},
  {"epochs", 4, "training epochs per net"},
  {"batch", 128, "mini-batch size"},
  {"lr", 2e-4, "Adam learning rate (the same for every net)"},
  {"stats", 1024, "training images for the per-layer statistics"},
  {"nets", "selu,relu,relu_he", "nets to compare (selu, relu, relu_he)"},
  {"threads", 0, "threads (0: all cores)"},
  {"seed", 1, "random seed (the same for every net)"},
  {"out", "out/selu", "directory for the PNG plots"},
  {"full", false, "full Fashion-MNIST when installed (default: the bundled subset)"},
  {"limit", 0, "use only the first N training examples (0: all)"},
})

local NETS = {
  selu = {label = "SELU+lecun+alpha_dropout", short = "SELU", act = "selu",
          init = "lecun_normal", bias_init = "zeros", dropout = true},
  relu = {label = "ReLU, default init", short = "ReLU default", act = "relu",
          init = "torch_default"},
  relu_he = {label = "ReLU, He init", short = "ReLU He", act = "relu", init = "kaiming_normal"},
}
local order = {}
for name in opt.nets:gmatch("[^,%s]+") do
  if not NETS[name] then
    io.stderr:write("selu.lua: unknown net '", name, "' (selu, relu, relu_he)\n")
    os.exit(2)
  end
  order[#order + 1] = name
end
if opt.threads > 0 then ln.threads(opt.threads) end
os.execute("mkdir -p '" .. opt.out:gsub("'", "'\\''") .. "'")

-- {====== data: standardised to mean 0, variance 1 (the SNN's input) ======
local train = ln.data.fashion_mnist("train", {subset = not opt.full})
local test = ln.data.fashion_mnist("test", {subset = not opt.full})
if opt.limit > 0 then train = train:head(opt.limit) end
local mu, sd = train.x:mean():item(), math.sqrt(train.x:var():item())
train.x = (train.x - mu) * (1 / sd)
test.x = (test.x - mu) * (1 / sd)
print(tostring(train))
print(tostring(test))
-- }======

-- a plain MLP: depth x (linear, activation [, alpha_dropout]), linear head;
-- every hidden activation is an output so its statistics can be read
local function build (spec)
  local g = ln.graph()
  local x = g:input("x", {"B", 784})
  local y = g:input("y", {"B"}, "int32")
  local h, n_in, outs = x, 784, {}
  for l = 1, opt.depth do
    h = nn.Linear(n_in, opt.width, {init = spec.init, bias_init = spec.bias_init})(h)
    h = h[spec.act](h)
    outs[string.format("h%03d", l)] = h
    if spec.dropout and opt.dropout > 0 then h = h:alpha_dropout(opt.dropout) end
    n_in = opt.width
  end
  local logits = nn.Linear(n_in, 10, {init = spec.init, bias_init = spec.bias_init})(h)
  outs.logits = logits
  return g:compile{loss = logits:cross_entropy(y), outputs = outs, batch = opt.batch}
end

-- per-layer mean and variance over the first opt.stats training images
-- (eval mode: no dropout; training mode: alpha_dropout active),
-- accumulated in double over batches
local function layer_stats (model, training)
  local s1, s2, n = {}, {}, 0
  for l = 1, opt.depth do s1[l], s2[l] = 0, 0 end
  for xb, yb in train:head(opt.stats):batches(opt.batch, {shuffle = false}) do
    local out = model:forward({x = xb, y = yb}, training or false)
    local cnt = #yb * opt.width
    for l = 1, opt.depth do
      local t = out[string.format("h%03d", l)]
      s1[l] = s1[l] + t:mean():item() * cnt
      s2[l] = s2[l] + (t * t):mean():item() * cnt
    end
    n = n + cnt
  end
  local mean, var = {}, {}
  for l = 1, opt.depth do
    mean[l] = s1[l] / n
    var[l] = s2[l] / n - mean[l] * mean[l]
  end
  return mean, var
end

local function in_bounds (m, v) return math.abs(m) <= 0.1 and v >= 0.8 and v <= 1.2 end

local results = {}
for _, name in ipairs(order) do
  local spec = NETS[name]
  print(string.format("\n== %s: %d x %d, %s", spec.label, opt.depth, opt.width, spec.init))
  ln.seed(opt.seed)
  local model = build(spec)
  local mean, var = layer_stats(model)
  local tmean, tvar
  if spec.dropout and opt.dropout > 0 then tmean, tvar = layer_stats(model, true) end
  local adam = ln.optim.adam(model, {lr = opt.lr})
  local t0 = ln.train.wall()
  local hist = ln.train.fit{model = model, optim = adam, train = train, test = test,
    epochs = opt.epochs, batch = opt.batch}
  results[name] = {mean = mean, var = var, tmean = tmean, tvar = tvar, hist = hist,
                   secs = ln.train.wall() - t0,
                   acc = hist.test_acc[#hist.test_acc]}
end

-- {====== report ======
print(string.format("\nper-layer activation statistics at initialisation (%d training images, eval mode)",
  math.min(opt.stats, #train)))
local head = {"layer"}
local function cell (m, v)
  return string.format("%+8.4f %8.4f%s", m, v, in_bounds(m, v) and "  " or " *")
end
for _, name in ipairs(order) do
  head[#head + 1] = string.format("%-21s", NETS[name].short .. " mean, var")
  if results[name].tmean then
    head[#head + 1] = string.format("%-21s", NETS[name].short .. " (training mode)")
  end
end
print(table.concat(head, "  "))
for l = 1, opt.depth do
  local row = {string.format("%5d", l)}
  for _, name in ipairs(order) do
    local r = results[name]
    row[#row + 1] = cell(r.mean[l], r.var[l])
    if r.tmean then row[#row + 1] = cell(r.tmean[l], r.tvar[l]) end
  end
  print(table.concat(row, "  "))
end
print("(* outside mean +-0.1, variance 0.8-1.2; training mode: alpha_dropout active)")

print(string.format("\n%-26s %12s %17s %10s %10s %8s", "net", "max |mean|", "variance range",
  "in bounds", "test acc", "seconds"))
for _, name in ipairs(order) do
  local r = results[name]
  local mmax, vlo, vhi, ok = 0, math.huge, -math.huge, 0
  for l = 1, opt.depth do
    mmax = math.max(mmax, math.abs(r.mean[l]))
    vlo, vhi = math.min(vlo, r.var[l]), math.max(vhi, r.var[l])
    if in_bounds(r.mean[l], r.var[l]) then ok = ok + 1 end
  end
  r.ok = ok
  print(string.format("%-26s %12.4f %8.4f..%-7.4f %7d/%-2d %9.2f%% %8.1f", NETS[name].label, mmax,
    vlo, vhi, ok, opt.depth, 100 * r.acc, r.secs))
end
if results.selu then
  local s = results.selu
  print(string.format("\nclaim: SELU keeps every layer within mean +-0.1, variance 0.8-1.2: %s (%d/%d)",
    s.ok == opt.depth and "yes" or "NO", s.ok, opt.depth))
  if s.tmean then
    local tok = 0
    for l = 1, opt.depth do if in_bounds(s.tmean[l], s.tvar[l]) then tok = tok + 1 end end
    print(string.format("       with alpha_dropout p = %g active: %s (%d/%d)", opt.dropout,
      tok == opt.depth and "yes" or "NO", tok, opt.depth))
  end
  for _, name in ipairs{"relu", "relu_he"} do
    local r = results[name]
    if r then
      print(string.format("       %s: %d/%d layers within bounds; test accuracy %.2f%% vs SELU %.2f%%",
        NETS[name].label, r.ok, opt.depth, 100 * r.acc, 100 * s.acc))
    end
  end
end

-- plots: per-layer mean and variance; smoothed training loss per step
local plot = require "luanet.plot"
local series = {}
for _, name in ipairs(order) do
  local r, xs = results[name], {}
  for l = 1, opt.depth do xs[l] = l end
  series[#series + 1] = {name = NETS[name].label .. " mean", x = xs, y = r.mean}
  series[#series + 1] = {name = NETS[name].label .. " variance", x = xs, y = r.var}
end
local stats_png = opt.out .. "/selu_layer_stats.png"
plot.lines(stats_png, {title = "activation mean and variance per layer at initialisation",
  xlabel = "layer", series = series, width = 800, height = 500})
local curves = {}
for _, name in ipairs(order) do
  local xs, ys, s = {}, {}, nil
  for i, l in ipairs(results[name].hist.step_loss) do
    s = s and (0.95 * s + 0.05 * l) or l
    xs[#xs + 1], ys[#ys + 1] = i, s
  end
  curves[#curves + 1] = {name = NETS[name].label, x = xs, y = ys}
end
local curves_png = opt.out .. "/selu_curves.png"
plot.lines(curves_png, {title = "training loss (smoothed)", xlabel = "step", series = curves,
  width = 800, height = 500})
print("wrote " .. stats_png .. " and " .. curves_png)
-- }======
