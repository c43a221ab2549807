-- examples/papers/evonorm.lua: EvoNorm-B0 and EvoNorm-S0 against BN-ReLU
-- in a small pre-activation ResNet on Fashion-MNIST, at a large batch
-- (128) and a small one (4). Liu, Brock, Simonyan, Le 2020, "Evolving
-- Normalization-Activation Layers" (arXiv:2004.02967): S0 uses no batch
-- statistics, so it should hold up at batch 4 where BN-ReLU (and B0,
-- which uses the batch variance) degrade.
local ln = require "luanet"
local nn = ln.nn

local opt = ln.cli.parse(arg, [[
usage: luanet examples/papers/evonorm.lua [options]
Train the same small ResNet with BN-ReLU, EvoNorm-B0 and EvoNorm-S0 at two batch
sizes; print test accuracy per layer and batch size.]], {
  {"epochs", 2, "epochs per run"},
  {"batches", "128,4", "batch sizes, comma-separated"},
  {"layers", "bn_relu,evonorm_b0,evonorm_s0", "normalisation-activation layers to compare"},
  {"width", 16, "channels of the first stage (the second has twice as many)"},
  {"lr", 1e-3, "Adam learning rate at batch 128 (scaled by sqrt(batch / 128) below it)"},
  {"limit", 0, "use only the first N training images (0: all)"},
  {"full", false, "full Fashion-MNIST (60,000 / 10,000) when installed, else the bundled subset"},
  {"threads", 0, "threads (0: all cores)"},
  {"seed", 1, "random seed"},
})
if opt.threads > 0 then ln.threads(opt.threads) end

local train = ln.data.fashion_mnist("train", {flat = false, subset = not opt.full})
local test = ln.data.fashion_mnist("test", {flat = false, subset = not opt.full})
if opt.limit > 0 then train = train:head(opt.limit) end
print(tostring(train))
print(tostring(test))

-- one normalisation-activation layer over c channels
local function norm_act (kind, c)
  if kind == "bn_relu" then
    local bn = nn.BatchNorm2d(c)
    return function (h) return bn(h):relu() end
  elseif kind == "evonorm_b0" then return nn.EvoNormB0(c)
  elseif kind == "evonorm_s0" then return nn.EvoNormS0(c, {groups = 8})
  end
  error("unknown layer '" .. kind .. "' (bn_relu, evonorm_b0, evonorm_s0)")
end

-- pre-activation residual block: h + conv(na(conv(na(h))))
local function block (kind, h, c)
  local r = nn.Conv2d(c, c, 3, {padding = 1, bias = false})(norm_act(kind, c)(h))
  r = nn.Conv2d(c, c, 3, {padding = 1, bias = false})(norm_act(kind, c)(r))
  return h + r
end

-- stem conv 3x3 stride 2 (14x14), block, conv stride 2 to 2w channels (7x7),
-- block, norm-act, global average pool, linear
local function resnet (g, kind, w)
  local x = g:input("x", {"B", 1, 28, 28})
  local h = nn.Conv2d(1, w, 3, {stride = 2, padding = 1, bias = false})(x)
  h = block(kind, h, w)
  h = nn.Conv2d(w, 2 * w, 3, {stride = 2, padding = 1, bias = false})(norm_act(kind, w)(h))
  h = block(kind, h, 2 * w)
  h = norm_act(kind, 2 * w)(h):mean({3, 4})
  return nn.Linear(2 * w, 10)(h)
end

local function run (kind, batch)
  ln.seed(opt.seed)
  local g = ln.graph()
  local logits = resnet(g, kind, opt.width)
  local y = g:input("y", {"B"}, "int32")
  local model = g:compile{loss = logits:cross_entropy(y), outputs = {logits = logits}, batch = batch}
  local lr = opt.lr * math.min(1, math.sqrt(batch / 128))
  local adam = ln.optim.adam(model, {lr = lr})
  local t0 = ln.train.wall()
  local hist = ln.train.fit{model = model, optim = adam, train = train, test = test, epochs = opt.epochs,
    batch = batch, eval_batch = 500 > batch and batch or 500, log = false}
  local secs = ln.train.wall() - t0
  -- evaluation does not depend on the batch for these layers (running
  -- statistics or per-sample ones), but is done at the training batch
  return {acc = hist.test_acc[#hist.test_acc], loss = hist.train_loss[#hist.train_loss], secs = secs,
          params = model:n_params()}
end

local kinds, batches = {}, {}
for k in opt.layers:gmatch("[^,]+") do kinds[#kinds + 1] = k end
for b in opt.batches:gmatch("[^,]+") do batches[#batches + 1] = math.tointeger(tonumber(b)) end

local results = {}
for _, kind in ipairs(kinds) do
  results[kind] = {}
  for _, b in ipairs(batches) do
    local r = run(kind, b)
    results[kind][b] = r
    print(string.format("%-11s batch %4d: test accuracy %.2f%%, train loss %.4f, %d params, %.0f s",
      kind, b, 100 * r.acc, r.loss, r.params, r.secs))
    io.stdout:flush()
  end
end

print()
print(string.format("test accuracy after %d epoch%s (%s)", opt.epochs, opt.epochs == 1 and "" or "s",
  train.name))
local head = string.format("%-12s", "layer")
for _, b in ipairs(batches) do head = head .. string.format(" | batch %-5d", b) end
print(head)
print(string.rep("-", #head))
for _, kind in ipairs(kinds) do
  local line = string.format("%-12s", kind)
  for _, b in ipairs(batches) do line = line .. string.format(" | %10.2f%%", 100 * results[kind][b].acc) end
  print(line)
end
if results.evonorm_s0 and results.bn_relu and #batches >= 2 then
  local small = batches[#batches]
  local s0, bn = results.evonorm_s0[small].acc, results.bn_relu[small].acc
  print(string.format("\nat batch %d: EvoNorm-S0 %.2f%% vs BN-ReLU %.2f%%: %s", small, 100 * s0, 100 * bn,
    s0 > bn and "S0 is better (batch-independence claim holds)" or "S0 is NOT better (claim not reproduced)"))
end
