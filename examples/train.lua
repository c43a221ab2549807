-- examples/train.lua: train the MLP or the CNN on Fashion-MNIST.
-- The full data set (Debian's dataset-fashion-mnist) when installed, else
-- the bundled 10,000/2,000 subset. Saves the model and a PNG of the curves.
local ln = require "luanet"

local opt = ln.cli.parse(arg, [[
usage: luanet examples/train.lua [options]
Train a classifier on Fashion-MNIST with Adam and report test accuracy.]], {
  {"model", "mlp", "mlp (784-1024-1024-10) or cnn (conv32-pool-conv64-pool-fc1024-fc10)"},
  {"epochs", 0, "epochs (0: 5 for mlp, 3 for cnn)"},
  {"batch", 128, "mini-batch size"},
  {"lr", 1e-3, "Adam learning rate"},
  {"schedule", "auto", "learning rate: const, cosine (decay to 0 over the run, per step) or auto (cosine for cnn, const for mlp)"},
  {"threads", 0, "threads (0: all cores)"},
  {"precision", "fp32", "fp32, or bf16 (mixed precision: bf16 inputs to the matrix products, float32 elsewhere)"},
  {"profile", false, "print where a training step's time goes (per op), then train"},
  {"seed", 1, "random seed"},
  {"out", "out", "directory for model.lnt, curves.png, checkpoint"},
  {"subset", false, "use the bundled subset even if the full set is installed"},
  {"resume", false, "resume from the checkpoint in --out: parameters, Adam's moments and step, the schedule, the random generator and the data order, so the run ends as one never stopped"},
  {"stop", 0, "stop after this many steps in all, saving the checkpoint (0: run every epoch); --resume goes on"},
  {"limit", 0, "use only the first N training examples (0: all)"},
})

if opt.model ~= "mlp" and opt.model ~= "cnn" then
  io.stderr:write("train.lua: --model must be mlp or cnn, got '", opt.model, "'\n")
  os.exit(2)
end
if opt.schedule == "auto" then opt.schedule = opt.model == "cnn" and "cosine" or "const" end
if opt.schedule ~= "const" and opt.schedule ~= "cosine" then
  io.stderr:write("train.lua: --schedule must be const, cosine or auto, got '", opt.schedule, "'\n")
  os.exit(2)
end
if opt.precision ~= "fp32" and opt.precision ~= "bf16" then
  io.stderr:write("train.lua: --precision must be fp32 or bf16, got '", opt.precision, "'\n")
  os.exit(2)
end
if opt.threads > 0 then ln.threads(opt.threads) end
if opt.epochs == 0 then opt.epochs = opt.model == "mlp" and 5 or 3 end
ln.seed(opt.seed)
os.execute("mkdir -p '" .. opt.out:gsub("'", "'\\''") .. "'")

local flat = opt.model == "mlp"
local train = ln.data.fashion_mnist("train", {flat = flat, subset = opt.subset})
local test = ln.data.fashion_mnist("test", {flat = flat, subset = opt.subset})
if opt.limit > 0 then train = train:head(opt.limit) end
print(tostring(train))
print(tostring(test))

local g = ln.graph()
local net = require("graphs." .. opt.model)(g, {})
local y = g:input("y", {"B"}, "int32")
local loss = net.output:cross_entropy(y)
local model = g:compile{loss = loss, outputs = {logits = net.output}, batch = opt.batch,
                        precision = opt.precision}
print(model)
print(ln.config())
print("precision: " .. model:precision())

if opt.profile then   -- a few steps on the first batch, per op
  local xb, yb = train:batches(opt.batch, {shuffle = false})()
  local rows, total = model:profile({x = xb, y = yb}, 10)
  local by_op = {}
  for _, r in ipairs(rows) do
    local o = by_op[r.op] or {op = r.op, t = 0, n = 0}
    by_op[r.op] = o
    o.t, o.n = o.t + r.fwd + r.bwd, o.n + 1
  end
  local ops = {}
  for _, o in pairs(by_op) do ops[#ops + 1] = o end
  table.sort(ops, function (a, b) return a.t > b.t end)
  print(string.format("profile: %.2f ms per forward + backward (batch %d)", total * 1e3, opt.batch))
  for _, o in ipairs(ops) do
    print(string.format("  %-14s %3d node%s %8.3f ms %5.1f%%", o.op, o.n, o.n == 1 and " " or "s",
      o.t * 1e3, 100 * o.t / math.max(total, 1e-12)))
  end
end

local adam = ln.optim.adam(model, {lr = opt.lr})
local schedule = opt.schedule == "cosine"
  and ln.optim.cosine(adam, {t_max = opt.epochs * train:n_batches(opt.batch)}) or nil
local hist = ln.train.fit{model = model, optim = adam, train = train, test = test,
  epochs = opt.epochs, batch = opt.batch, schedule = schedule, checkpoint = opt.out .. "/checkpoint.lnt",
  resume = opt.resume, plot = opt.out .. "/curves.png", max_steps = opt.stop > 0 and opt.stop or nil}

if opt.stop > 0 and #hist.step_loss >= opt.stop and #hist.epoch < opt.epochs then
  print(string.format("stopped after step %d; --resume goes on from %s/checkpoint.lnt", opt.stop, opt.out))
  return
end
model:save(opt.out .. "/model.lnt")
print(string.format("final test accuracy: %.2f%% (%s, %d epochs)", 100 * hist.test_acc[#hist.test_acc],
  opt.model, opt.epochs))
print("saved " .. opt.out .. "/model.lnt and " .. opt.out .. "/curves.png")
