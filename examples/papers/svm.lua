-- examples/papers/svm.lua: the CNN of graphs/cnn.lua with an L2-SVM head
-- against the same CNN with softmax cross-entropy, on Fashion-MNIST.
-- Tang 2013, "Deep Learning using Linear Support Vector Machines"
-- (arXiv:1306.0239), as the CNN-SVM papers use it: the last linear layer's
-- outputs o_k are trained with the one-vs-rest squared hinge sum_k max(0,
-- 1 - t_k o_k)^2 (t_k = +1 for the class, -1 otherwise) plus weight decay,
-- and the class is argmax_k o_k. Claim: accuracy comparable to softmax.
local ln = require "luanet"

local opt = ln.cli.parse(arg, [[
usage: luanet examples/papers/svm.lua [options]
Train the CNN (conv5x5x32-pool-conv5x5x64-pool-fc-fc10) with a softmax and with an
L2-SVM head; print test accuracy and training time of each.]], {
  {"epochs", 5, "epochs per run"},
  {"batch", 128, "mini-batch size"},
  {"hidden", 1024, "width of the fully connected layer (as graphs/cnn.lua)"},
  {"lr", 1e-3, "Adam learning rate"},
  {"weight_decay", 5e-4, "L2 weight decay (both heads; the L2-SVM objective's regulariser)"},
  {"full", false, "full Fashion-MNIST (60,000 / 10,000) when installed, else the bundled subset"},
  {"threads", 0, "threads (0: all cores)"},
  {"seed", 1, "random seed"},
})
if opt.threads > 0 then ln.threads(opt.threads) end

local train = ln.data.fashion_mnist("train", {flat = false, subset = not opt.full})
local test = ln.data.fashion_mnist("test", {flat = false, subset = not opt.full})
print(tostring(train))
print(tostring(test))

local function run (head)
  ln.seed(opt.seed)
  local g = ln.graph()
  local net = require("graphs.cnn")(g, {classes = 10, hidden = opt.hidden})
  local y = g:input("y", {"B"}, "int32")
  local loss = head == "svm" and net.output:l2_svm(y) or net.output:cross_entropy(y)
  local model = g:compile{loss = loss, outputs = {logits = net.output}, batch = opt.batch}
  local adam = ln.optim.adam(model, {lr = opt.lr, weight_decay = opt.weight_decay})
  local t0 = ln.train.wall()
  local hist = ln.train.fit{model = model, optim = adam, train = train, test = test, epochs = opt.epochs,
                            batch = opt.batch, log = false}
  return {acc = hist.test_acc, loss = hist.train_loss, secs = ln.train.wall() - t0, params = model:n_params()}
end

local res = {}
for _, head in ipairs{"softmax", "svm"} do
  res[head] = run(head)
  local r = res[head]
  local per = {}
  for i, a in ipairs(r.acc) do per[i] = string.format("%.2f%%", 100 * a) end
  print(string.format("%-7s head: test accuracy %s (per epoch), %d params, %.0f s", head,
    table.concat(per, ", "), r.params, r.secs))
  io.stdout:flush()
end

print()
print(string.format("CNN (graphs/cnn.lua, fc %d), %d epochs, Adam lr %g, weight decay %g, batch %d (%s)",
  opt.hidden, opt.epochs, opt.lr, opt.weight_decay, opt.batch, train.name))
print(string.format("%-22s | %13s | %15s | %8s", "head", "test accuracy", "last train loss", "time"))
print(string.rep("-", 68))
for _, head in ipairs{"softmax", "svm"} do
  local r = res[head]
  print(string.format("%-22s | %12.2f%% | %15.4f | %6.0f s",
    head == "svm" and "L2-SVM (squared hinge)" or "softmax cross-entropy", 100 * r.acc[#r.acc],
    r.loss[#r.loss], r.secs))
end
local d = 100 * (res.svm.acc[#res.svm.acc] - res.softmax.acc[#res.softmax.acc])
print(string.format("\nL2-SVM minus softmax: %+.2f points (%s)", d,
  math.abs(d) <= 1.5 and "comparable, as the paper reports" or
  (d > 0 and "SVM better" or "SVM worse by more than 1.5 points")))
