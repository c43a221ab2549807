-- examples/papers/elu.lua: Fast and Accurate Deep Network Learning by
-- Exponential Linear Units (Clevert, Unterthiner, Hochreiter 2015,
-- arXiv:1511.07289).
--
-- The claim: ELU networks learn faster than ReLU networks, since ELU's
-- negative values push mean activations towards zero (less bias shift).
-- The paper's MNIST experiment (sec. 4.1, as we read it: five hidden layers
-- of 256 units, He initialisation, plain SGD with learning rate 0.01,
-- mini-batches of 64) is repeated here on Fashion-MNIST: the same model,
-- the same initial weights and the same batches for both activations; the
-- training loss over the whole training set at fixed steps.
local ln = require "luanet"
local nn = ln.nn

local opt = ln.cli.parse(arg, [[
usage: luanet examples/papers/elu.lua [options]
ELU against ReLU on the same MLP, initial weights and batches (Fashion-MNIST):
the training loss at fixed steps, in a table and a PNG of both curves.]], {
  {"depth", 5, "hidden layers"},
  {"width", 256, "units per hidden layer"},
  {"epochs", 12, "epochs"},
  {"batch", 64, "mini-batch size"},
  {"lr", 0.01, "SGD learning rate (no momentum, as the paper)"},
  {"alpha", 1, "ELU alpha"},
  {"every", 100, "evaluate the training loss every N steps"},
  {"threads", 0, "threads (0: all cores)"},
  {"seed", 1, "random seed (the same for both nets)"},
  {"out", "out/elu", "directory for the PNG plot"},
  {"full", false, "full Fashion-MNIST when installed (default: the bundled subset)"},
  {"limit", 0, "use only the first N training examples (0: all)"},
})
if opt.threads > 0 then ln.threads(opt.threads) end
os.execute("mkdir -p '" .. opt.out:gsub("'", "'\\''") .. "'")

local train = ln.data.fashion_mnist("train", {subset = not opt.full})
local test = ln.data.fashion_mnist("test", {subset = not opt.full})
if opt.limit > 0 then train = train:head(opt.limit) end
print(tostring(train))
print(tostring(test))

-- MLP with He-initialised weights and zero biases; 'act' applied to every
-- hidden layer. Built after ln.seed(opt.seed): the same weights for both.
local function build (act)
  local g = ln.graph()
  local x = g:input("x", {"B", 784})
  local y = g:input("y", {"B"}, "int32")
  local h, n_in = x, 784
  for _ = 1, opt.depth do
    h = nn.Linear(n_in, opt.width, {init = "kaiming_normal", bias_init = "zeros"})(h)
    h = act == "elu" and h:elu(opt.alpha) or h:relu()
    n_in = opt.width
  end
  local logits = nn.Linear(n_in, 10, {init = "kaiming_normal", bias_init = "zeros"})(h)
  return g:compile{loss = logits:cross_entropy(y), outputs = {logits = logits}, batch = opt.batch}
end

local function run (act)
  ln.seed(opt.seed)
  local model = build(act)
  local sgd = ln.optim.sgd(model, {lr = opt.lr})
  local steps, loss_at, acc_at, step_loss = {}, {}, {}, {}
  local function evaluate (step)
    local _, loss = ln.train.evaluate(model, train)
    steps[#steps + 1], loss_at[#loss_at + 1] = step, loss
    acc_at[#acc_at + 1] = ln.train.evaluate(model, test)
  end
  local step, t0 = 0, ln.train.wall()
  evaluate(0)
  for epoch = 1, opt.epochs do
    for xb, yb in train:batches(opt.batch) do
      step_loss[#step_loss + 1] = model:step({x = xb, y = yb}, sgd)
      step = step + 1
      -- every 'every' steps, and twice early on, where the curves part
      if step % opt.every == 0 or step == opt.every // 4 or step == opt.every // 2 then
        evaluate(step)
      end
    end
    io.stdout:write(string.format("%s epoch %d (step %d): last evaluated training loss %.4f, "
      .. "test accuracy %.2f%%\n", act, epoch, step, loss_at[#loss_at], 100 * acc_at[#acc_at]))
    io.stdout:flush()
  end
  if steps[#steps] ~= step then evaluate(step) end
  return {steps = steps, loss = loss_at, acc = acc_at, step_loss = step_loss,
          secs = ln.train.wall() - t0}
end

print(string.format("\nMLP 784-%s-10, He init, SGD lr %g, batch %d, %d epochs, seed %d",
  string.rep(tostring(opt.width), opt.depth, "-"), opt.lr, opt.batch, opt.epochs, opt.seed))
local elu, relu = run("elu"), run("relu")

-- {====== report ======
print(string.format("\ntraining loss (whole training set, eval mode) at fixed steps"))
print(string.format("%8s %10s %10s %12s %10s %10s", "step", "ELU", "ReLU", "ELU/ReLU", "ELU acc", "ReLU acc"))
local n = #elu.steps
local show = {}
for i = 1, n do
  local s = elu.steps[i]
  -- a short table: powers of two times 'every', and the end
  local k = s // opt.every
  if i == 1 or i == n or s < opt.every or (k & (k - 1) == 0 and s % opt.every == 0) then
    show[#show + 1] = i
  end
end
local elu_wins = 0
for _, i in ipairs(show) do
  print(string.format("%8d %10.4f %10.4f %12.3f %9.2f%% %9.2f%%", elu.steps[i], elu.loss[i], relu.loss[i],
    elu.loss[i] / relu.loss[i], 100 * elu.acc[i], 100 * relu.acc[i]))
end
for i = 2, n do if elu.loss[i] < relu.loss[i] then elu_wins = elu_wins + 1 end end
-- steps each needs to first reach fixed training-loss levels (robust to
-- the noise of single evaluations, unlike a comparison at one step)
print(string.format("\n%10s %10s %10s %10s", "loss <=", "ELU step", "ReLU step", "ReLU/ELU"))
local function first_below (r, target)
  for i = 1, #r.loss do if r.loss[i] <= target then return r.steps[i] end end
  return nil
end
local faster, both = 0, 0
for _, target in ipairs{1.0, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3} do
  local se, sr = first_below(elu, target), first_below(relu, target)
  if se or sr then
    print(string.format("%10.2f %10s %10s %10s", target, se or "-", sr or "-",
      (se and sr and se > 0) and string.format("%.2fx", sr / se) or ""))
  end
  if se and sr then
    both = both + 1
    if se < sr then faster = faster + 1 end
  elseif se then faster, both = faster + 1, both + 1 end
end
local function mean (t) local s = 0 for i = 2, #t do s = s + t[i] end return s / (#t - 1) end
print(string.format("\nELU below ReLU at %d of %d evaluations after step 0; mean training loss "
  .. "over them: ELU %.4f, ReLU %.4f", elu_wins, n - 1, mean(elu.loss), mean(relu.loss)))
print(string.format("final test accuracy: ELU %.2f%%, ReLU %.2f%%  (%.1f s, %.1f s)", 100 * elu.acc[n],
  100 * relu.acc[n], elu.secs, relu.secs))
print(string.format("claim (ELU learns faster): %s (ELU first to %d of %d loss levels)",
  (both > 0 and faster > both / 2) and "supported" or "NOT supported", faster, both))

local plot = require "luanet.plot"
local png = opt.out .. "/elu_vs_relu.png"
-- from the first evaluation after step 0 (the initial losses would set the scale)
local function tail (t) return table.move(t, 2, #t, 1, {}) end
plot.lines(png, {title = "training loss (whole training set) - ELU vs ReLU", xlabel = "step",
  series = {{name = "ELU", x = tail(elu.steps), y = tail(elu.loss)},
            {name = "ReLU", x = tail(relu.steps), y = tail(relu.loss)}},
  width = 800, height = 500})
print("wrote " .. png)
-- }======
