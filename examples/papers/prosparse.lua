-- examples/papers/prosparse.lua: the ProSparse recipe (Song et al. 2024,
-- "ProSparse: Introducing and Enhancing Intrinsic Activation Sparsity within
-- Large Language Models", arXiv:2402.13516) on a ReLU MLP and Fashion-MNIST:
--
--   1. train the ReLU MLP (the "ReLU substitution" is already done);
--   2. keep training it with activation_l1 on both hidden activations, the
--      factor lambda rising along sine curves stage by stage
--      (ln.optim.prosparse_schedule);
--   3. shift the activation threshold: ReLU -> FATReLU(T), T the largest of
--      a grid that costs at most --max-drop points on a held-out split of
--      the training set.
--
-- Prints the activation sparsity (fraction of exact zeros on the test set)
-- per layer and the test accuracy after each step; the targets are >= 80%
-- sparsity and <= 1 point of accuracy lost against step 1.
local ln = require "luanet"

local opt = ln.cli.parse(arg, [[
usage: luanet examples/papers/prosparse.lua [options]
ProSparse on a ReLU MLP (784-H-H-10): L1 activation regularisation on a
sine schedule, then FATReLU; reports sparsity per layer and accuracy.]], {
  {"hidden", 512, "hidden width"},
  {"epochs", 6, "epochs of plain training (step 1)"},
  {"sparse_epochs", 6, "epochs with activation_l1 (step 2)"},
  {"lambda", 2, "final factor of activation_l1 (mean |a| over each hidden layer)"},
  {"stages", 3, "sine stages of lambda (targets lambda/2^(stages-i)); the last 20% stays at lambda"},
  {"batch", 128, "mini-batch size"},
  {"lr", 1e-3, "Adam learning rate (step 1)"},
  {"sparse_lr", 5e-4, "Adam learning rate (step 2)"},
  {"val", 1000, "training examples held out to choose the FATReLU threshold"},
  {"max_drop", 0.3, "accuracy points the threshold may cost on the held-out split"},
  {"full", false, "full Fashion-MNIST when installed (default: bundled subset)"},
  {"threads", 0, "threads (0: all cores)"},
  {"seed", 1, "random seed"},
  {"out", "out/prosparse", "directory for prosparse.png"},
})

if opt.threads > 0 then ln.threads(opt.threads) end
os.execute("mkdir -p '" .. opt.out:gsub("'", "'\\''") .. "'")
ln.seed(opt.seed)

local all = ln.data.fashion_mnist("train", {subset = not opt.full})
local test = ln.data.fashion_mnist("test", {subset = not opt.full})
local ntr = #all - opt.val
local train = ln.data.dataset(all.x:rows(1, ntr), all.y:rows(1, ntr), "train")
local val = ln.data.dataset(all.x:rows(ntr + 1, opt.val), all.y:rows(ntr + 1, opt.val), "validation")
print(string.format("%s: %d train, %d held out; %d test", all.name, #train, #val, #test))

-- the MLP with activation 'act' (a function of a node); returns the model
-- with outputs logits, h1, h2 and, with 'l1', the ProSparse loss
local function build (act, l1)
  local g = ln.graph()
  local x = g:input("x", {"B", 784})
  local y = g:input("y", {"B"}, "int32")
  local h1 = act(ln.nn.Linear(784, opt.hidden, {name = "fc1"})(x))
  local h2 = act(ln.nn.Linear(opt.hidden, opt.hidden, {name = "fc2"})(h1))
  local logits = ln.nn.Linear(opt.hidden, 10, {name = "fc3"})(h2)
  local loss = logits:cross_entropy(y)
  if l1 then
    local scale = g:buffer("l1.scale", {1}, 0)   -- lambda(t), written by the schedule
    loss = loss + h1:activation_l1(scale) + h2:activation_l1(scale)
  end
  return g:compile{loss = loss, outputs = {logits = logits, h1 = h1, h2 = h2}, batch = opt.batch}
end

local function copy_params (from, to)
  for name, t in pairs(from:params()) do to:param(name):copy(t) end
end

-- accuracy and the fraction of zero activations per hidden layer
local function measure (model, ds)
  local correct, zeros, count = 0, {0, 0}, 0
  for xb, yb in ds:batches(opt.batch, {shuffle = false}) do
    local out = model:forward({x = xb, y = yb}, false)
    local pred = out.logits:argmax_rows()
    for i = 1, #yb do if pred[i] == yb:get(i) then correct = correct + 1 end end
    for k, h in ipairs{out.h1, out.h2} do
      zeros[k] = zeros[k] + h:numel() - h:step_ste():sum():item()
    end
    count = count + #yb * opt.hidden
  end
  return {acc = correct / #ds, s1 = zeros[1] / count, s2 = zeros[2] / count,
          s = (zeros[1] + zeros[2]) / (2 * count)}
end

local rows, curve_x, curve_y = {}, {}, {}
local function report (name, m)
  local r = measure(m, test)
  r.name = name
  rows[#rows + 1] = r
  io.stdout:write(string.format("%s: test accuracy %.2f%%, sparsity %.1f%% / %.1f%%\n", name,
    100 * r.acc, 100 * r.s1, 100 * r.s2))
  return r
end

-- 1. the ReLU MLP
local relu = function (h) return h:relu() end
local dense = build(relu)
ln.train.fit{model = dense, optim = ln.optim.adam(dense, {lr = opt.lr}), train = train,
  epochs = opt.epochs, batch = opt.batch}
report("1. ReLU", dense)

-- the reference: the same ReLU MLP trained as long as steps 1 + 2, no L1
local ref = build(relu)
copy_params(dense, ref)
ln.train.fit{model = ref, optim = ln.optim.adam(ref, {lr = opt.sparse_lr}), train = train,
  epochs = opt.sparse_epochs, batch = opt.batch}
local base = report(string.format("1b. ReLU, %d more epochs (reference)", opt.sparse_epochs), ref)

-- 2. activation_l1 with lambda on the sine schedule
local sparse = build(relu, true)
copy_params(dense, sparse)
local steps = opt.sparse_epochs * train:n_batches(opt.batch)
local stages, targets = {}, {}
for i = 1, opt.stages do
  stages[i] = math.max(i, math.floor(0.8 * steps * i / opt.stages))
  targets[i] = opt.lambda / 2 ^ (opt.stages - i)
end
local sched = ln.optim.prosparse_schedule{stages = stages, targets = targets}:attach(sparse, "l1.scale")
local adam = ln.optim.adam(sparse, {lr = opt.sparse_lr})
ln.train.fit{model = sparse, optim = adam, train = train, epochs = opt.sparse_epochs,
  batch = opt.batch, schedule = sched,
  on_step = function ()
    if sched.t % 10 == 0 then curve_x[#curve_x + 1] = sched.t; curve_y[#curve_y + 1] = sched:value() end
  end}
local stage_str = {}
for i = 1, #stages do stage_str[i] = string.format("%d:%g", stages[i], targets[i]) end
print("lambda schedule (step:target): " .. table.concat(stage_str, " "))
report("2. ReLU + activation_l1 (sine schedule)", sparse)

-- 3. FATReLU: the largest threshold of the grid within max_drop on 'val'
local grid = {0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3}
local val0 = measure(sparse, val).acc
local best_t, best_m = 0, nil
print(string.format("FATReLU threshold on the %d held-out examples (ReLU: %.2f%%):", #val, 100 * val0))
for _, T in ipairs(grid) do
  local m = build(function (h) return h:fatrelu{threshold = T} end)
  copy_params(sparse, m)
  local r = measure(m, val)
  io.stdout:write(string.format("  T = %-6g accuracy %.2f%%, sparsity %.1f%%\n", T, 100 * r.acc, 100 * r.s))
  if 100 * (val0 - r.acc) <= opt.max_drop then best_t, best_m = T, m end
end
local fin = report(string.format("3. FATReLU (T = %g)", best_t), best_m)

print(string.format("\nProSparse on Fashion-MNIST (%s, MLP 784-%d-%d-10, %d + %d epochs, lambda %g)",
  all.name, opt.hidden, opt.hidden, opt.epochs, opt.sparse_epochs, opt.lambda))
print(string.format("%-42s %9s %9s %9s %9s", "step", "test acc", "layer 1", "layer 2", "overall"))
for _, r in ipairs(rows) do
  print(string.format("%-42s %8.2f%% %8.1f%% %8.1f%% %8.1f%%", r.name, 100 * r.acc, 100 * r.s1,
    100 * r.s2, 100 * r.s))
end
local drop = 100 * (base.acc - fin.acc)
print(string.format("against the reference (1b): accuracy change %+.2f points (target >= -1), " ..
  "sparsity %.1f%% / %.1f%% (target >= 80%%): %s",
  -drop, 100 * fin.s1, 100 * fin.s2,
  (drop <= 1 and fin.s1 >= 0.8 and fin.s2 >= 0.8) and "both met" or "NOT met"))

local png = opt.out .. "/prosparse.png"
ln.plot.lines(png, {title = "ProSparse: the sine schedule of lambda", xlabel = "step",
  series = {{name = "lambda", x = curve_x, y = curve_y}}})
print("wrote " .. png)
