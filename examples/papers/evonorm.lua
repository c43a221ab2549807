-- examples/papers/evonorm.lua: EvoNorm-B0 and EvoNorm-S0 against BN-ReLU
-- in a small pre-activation ResNet on Fashion-MNIST, at a large batch
-- (128) and a small one (4). Liu, Brock, Simonyan, Le 2020, "Evolving
-- Normalization-Activation Layers" (arXiv:2004.02967): S0 uses no batch
-- statistics, so it should hold up at batch 4 where BN-ReLU (and B0,
-- which uses the batch variance) degrade.
--
-- The paper's small-batch runs (ResNet-50 on ImageNet) use 8 workers with
-- 128 down to 4 images each, the learning rate scaled with the batch, the
-- same number of epochs at every batch and a cosine decay. Here: one
-- process, the same epochs at both batches (default), cosine decay, Adam
-- with its rate scaled by sqrt(batch / 128) or, --optim sgd, SGD with the
-- paper's linear rule; --ghost S gives BN the per-worker statistics of the
-- paper's runs (runs of S samples) at any batch. The last column of the
-- table is each layer's batch dependence; the last line says whether S0
-- beats BN-ReLU at the smallest batch.
local ln = require "luanet"
local nn = ln.nn

local opt = ln.cli.parse(arg, [[
usage: luanet examples/papers/evonorm.lua [options]
Train the same small ResNet with BN-ReLU, EvoNorm-B0 and EvoNorm-S0 at two batch
sizes; print test accuracy per layer and batch size.]], {
  {"batches", "128,4", "batch sizes, comma-separated"},
  {"epochs", "5", "epochs per run for each batch size, comma-separated (one number: the same for all)"},
  {"layers", "bn_relu,evonorm_b0,evonorm_s0", "normalisation-activation layers to compare"},
  {"width", 16, "channels of the first stage (the second has twice as many)"},
  {"blocks", 1, "residual blocks per stage"},
  {"stages", 2, "stages (each after the first halves the resolution and doubles the channels)"},
  {"ghost", 0, "BN-ReLU statistics per run of this many samples of each batch, as per worker in the paper's 8-worker runs (0: the whole batch)"},
  {"groups", 8, "EvoNorm-S0 groups (must divide the channel counts)"},
  {"optim", "adam", "adam (lr scaled by sqrt(batch / 128)) or sgd (momentum 0.9, lr scaled by batch / 128, as the paper)"},
  {"lr", 3e-3, "learning rate at batch 128"},
  {"schedule", "cosine", "cosine (decay to 0 over the run, as the paper) or constant"},
  {"limit", 0, "use only the first N training images (0: all)"},
  {"full", false, "full Fashion-MNIST (60,000 / 10,000) when installed, else the bundled subset"},
  {"threads", 0, "threads (0: all cores)"},
  {"seed", 1, "random seed (of the first run)"},
  {"seeds", 2, "runs per layer and batch, seeds seed, seed + 1, ...: the table shows the mean"},
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
    local bn = nn.BatchNorm2d(c, {ghost = opt.ghost})
    return function (h) return bn(h):relu() end
  elseif kind == "evonorm_b0" then return nn.EvoNormB0(c)
  elseif kind == "evonorm_s0" then return nn.EvoNormS0(c, {groups = opt.groups})
  end
  error("unknown layer '" .. kind .. "' (bn_relu, evonorm_b0, evonorm_s0)")
end

-- pre-activation residual block: h + conv(na(conv(na(h))))
local function block (kind, h, c)
  local r = nn.Conv2d(c, c, 3, {padding = 1, bias = false})(norm_act(kind, c)(h))
  r = nn.Conv2d(c, c, 3, {padding = 1, bias = false})(norm_act(kind, c)(r))
  return h + r
end

-- stem conv 3x3 stride 2 (14x14) and the first stage's blocks; each further
-- stage: norm-act, conv stride 2 to twice the channels, blocks; then
-- norm-act, global average pool, linear
local function resnet (g, kind, w)
  local x = g:input("x", {"B", 1, 28, 28})
  local h = nn.Conv2d(1, w, 3, {stride = 2, padding = 1, bias = false})(x)
  for _ = 1, opt.blocks do h = block(kind, h, w) end
  for _ = 2, opt.stages do
    h = nn.Conv2d(w, 2 * w, 3, {stride = 2, padding = 1, bias = false})(norm_act(kind, w)(h))
    w = 2 * w
    for _ = 1, opt.blocks do h = block(kind, h, w) end
  end
  h = norm_act(kind, w)(h):mean({3, 4})
  return nn.Linear(w, 10)(h)
end

local function run (kind, batch, seed, epochs)
  ln.seed(seed)
  local g = ln.graph()
  local logits = resnet(g, kind, opt.width)
  local y = g:input("y", {"B"}, "int32")
  local model = g:compile{loss = logits:cross_entropy(y), outputs = {logits = logits}, batch = batch}
  local optim, sched
  if opt.optim == "sgd" then
    optim = ln.optim.sgd(model, {lr = opt.lr * batch / 128, momentum = 0.9})
  else
    optim = ln.optim.adam(model, {lr = opt.lr * math.min(1, math.sqrt(batch / 128))})
  end
  if opt.schedule == "cosine" then
    sched = ln.optim.cosine(optim, {t_max = epochs * train:n_batches(batch)})
  end
  local t0 = ln.train.wall()
  local hist = ln.train.fit{model = model, optim = optim, schedule = sched, train = train, test = test, epochs = epochs,
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
local epochs = {}
for e in tostring(opt.epochs):gmatch("[^,]+") do epochs[#epochs + 1] = math.tointeger(tonumber(e)) end
for i = 1, #batches do
  epochs[i] = epochs[i] or epochs[#epochs]
  if not batches[i] or not epochs[i] or batches[i] < 1 or epochs[i] < 1 then
    io.stderr:write("evonorm.lua: --batches and --epochs must be positive integers\n")
    os.exit(2)
  end
end

local results = {}
for _, kind in ipairs(kinds) do
  results[kind] = {}
  for i, b in ipairs(batches) do
    local accs, sum = {}, 0
    for k = 1, opt.seeds do
      local r = run(kind, b, opt.seed + k - 1, epochs[i])
      accs[k], sum = r.acc, sum + r.acc
      print(string.format("%-11s batch %4d seed %d: test accuracy %.2f%%, train loss %.4f, %d params, %.0f s",
        kind, b, opt.seed + k - 1, 100 * r.acc, r.loss, r.params, r.secs))
      io.stdout:flush()
    end
    local mean, var = sum / opt.seeds, 0
    for _, a in ipairs(accs) do var = var + (a - mean) ^ 2 end
    results[kind][b] = {acc = mean, sd = opt.seeds > 1 and math.sqrt(var / (opt.seeds - 1)) or 0}
  end
end

-- the smallest and the largest batch: the change between them is the
-- layer's batch dependence
local small, large = batches[1], batches[1]
for _, b in ipairs(batches) do small, large = math.min(small, b), math.max(large, b) end

print()
print(string.format("test accuracy (%s)%s%s", train.name,
  opt.seeds > 1 and string.format(", mean (sd) of %d seeds", opt.seeds) or "",
  opt.ghost > 0 and string.format("; BN statistics per run of %d samples", opt.ghost) or ""))
local head = string.format("%-12s", "layer")
for i, b in ipairs(batches) do head = head .. string.format(" | %-12s", string.format("b%d, %d ep", b, epochs[i])) end
if small ~= large then head = head .. string.format(" | b%d - b%d", small, large) end
print(head)
print(string.rep("-", #head))
for _, kind in ipairs(kinds) do
  local line = string.format("%-12s", kind)
  for _, b in ipairs(batches) do
    local r = results[kind][b]
    line = line .. (opt.seeds > 1 and string.format(" | %5.2f (%4.2f)", 100 * r.acc, 100 * r.sd)
                                  or string.format(" | %11.2f%%", 100 * r.acc))
  end
  if small ~= large then
    line = line .. string.format(" | %+6.2f", 100 * (results[kind][small].acc - results[kind][large].acc))
  end
  print(line)
end
-- the verdict at the smallest batch: a gap within the seeds' spread (the
-- larger standard deviation of the two) is no evidence either way
if results.evonorm_s0 and results.bn_relu then
  local s0, bn = results.evonorm_s0[small], results.bn_relu[small]
  local gap, spread = 100 * (s0.acc - bn.acc), 100 * math.max(s0.sd, bn.sd)
  local verdict
  if gap > spread then verdict = "S0 is better (the paper's small-batch claim holds here)"
  elseif gap > 0 then verdict = "S0 is ahead, within the seeds' spread: no clear evidence for the claim"
  else verdict = "S0 is NOT better (the paper's small-batch claim does not reproduce here)" end
  print(string.format("\nat batch %d: EvoNorm-S0 %.2f%% vs BN-ReLU %.2f%% (gap %+.2f, spread %.2f): %s",
    small, 100 * s0.acc, 100 * bn.acc, gap, spread, verdict))
end
