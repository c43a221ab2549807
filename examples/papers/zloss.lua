-- examples/papers/zloss.lua: the Z-loss against softmax cross-entropy on
-- Fashion-MNIST. de Brebisson & Vincent 2016, "The Z-loss: a shift and
-- scale invariant classification loss belonging to the Spherical Family"
-- (arXiv:1604.08859): z = (o - mean(o)) / std(o), L = softplus(a (b -
-- z_y)) / a. The paper's claims: it trains a classifier as well as
-- cross-entropy (better on top-k scores, with a and b tuned), and it is
-- invariant to shifting and scaling the logits (checked here on the
-- trained model, and in spec/ops_loss_spec.lua).
local ln = require "luanet"

local opt = ln.cli.parse(arg, [[
usage: luanet examples/papers/zloss.lua [options]
Train the same MLP with cross-entropy and with the Z-loss (for each a, b pair);
print top-1 accuracy and top-3 error on the test set.]], {
  {"epochs", 10, "epochs per run"},
  {"batch", 128, "mini-batch size"},
  {"hidden", 256, "width of the two hidden layers"},
  {"lr", 1e-3, "Adam learning rate"},
  {"ab", "1:2,0.5:5,2:2", "Z-loss (a:b) pairs, comma-separated"},
  {"full", false, "full Fashion-MNIST (60,000 / 10,000) when installed, else the bundled subset"},
  {"threads", 0, "threads (0: all cores)"},
  {"seed", 1, "random seed (of the first run)"},
  {"seeds", 3, "runs per loss, seeds seed, seed + 1, ...: the table shows the mean"},
})
if opt.threads > 0 then ln.threads(opt.threads) end

local train = ln.data.fashion_mnist("train", {subset = not opt.full})
local test = ln.data.fashion_mnist("test", {subset = not opt.full})
print(tostring(train))
print(tostring(test))

-- top-1 accuracy and top-k error of logits over a data set: the label is
-- in the top k when fewer than k logits are larger than its own
local function scores (model, ds, k)
  local hit1, hitk, n = 0, 0, 0
  for xb, yb in ds:batches(opt.batch, {shuffle = false}) do
    local logits = model:forward({x = xb, y = yb}, false).logits
    local C = logits:shape()[2]
    for i = 1, #yb do
      local y = yb:get(i) + 1
      local own, above = logits:get(i, y), 0
      for c = 1, C do if c ~= y and logits:get(i, c) > own then above = above + 1 end end
      if above == 0 then hit1 = hit1 + 1 end
      if above < k then hitk = hitk + 1 end
    end
    n = n + #yb
  end
  return hit1 / n, 1 - hitk / n
end

local function run1 (loss_name, attrs, seed)
  ln.seed(seed)
  local g = ln.graph()
  local net = require("graphs.mlp")(g, {sizes = {784, opt.hidden, opt.hidden, 10}})
  local y = g:input("y", {"B"}, "int32")
  local loss
  if loss_name == "z_loss" then loss = net.output:z_loss(y, attrs)
  else loss = net.output:cross_entropy(y) end
  local model = g:compile{loss = loss, outputs = {logits = net.output}, batch = opt.batch}
  local adam = ln.optim.adam(model, {lr = opt.lr})
  local t0 = ln.train.wall()
  ln.train.fit{model = model, optim = adam, train = train, epochs = opt.epochs, batch = opt.batch,
               log = false}
  local acc, top3 = scores(model, test, 3)
  return {acc = acc, top3 = top3, secs = ln.train.wall() - t0, model = model}
end

-- mean over the seeds (the model of the first seed is kept)
local function run (loss_name, attrs)
  local m = {acc = 0, top3 = 0, secs = 0, accs = {}}
  for k = 1, opt.seeds do
    local r = run1(loss_name, attrs, opt.seed + k - 1)
    m.acc, m.top3, m.secs = m.acc + r.acc / opt.seeds, m.top3 + r.top3 / opt.seeds, m.secs + r.secs
    m.accs[k] = r.acc
    if k == 1 then m.model = r.model end
  end
  local v = 0
  for _, a in ipairs(m.accs) do v = v + (a - m.acc) ^ 2 end
  m.sd = opt.seeds > 1 and math.sqrt(v / (opt.seeds - 1)) or 0
  return m
end

local rows = {}
local ce = run("cross_entropy")
rows[#rows + 1] = {name = "cross-entropy", r = ce}
print(string.format("cross-entropy: accuracy %.2f%%, top-3 error %.2f%% (%.0f s)", 100 * ce.acc,
  100 * ce.top3, ce.secs))
io.stdout:flush()
local zmodels = {}
for pair in opt.ab:gmatch("[^,]+") do
  local a, b = pair:match("^([^:]+):([^:]+)$")
  a, b = tonumber(a), tonumber(b)
  if not a or not b then error("--ab: pairs must be a:b, got '" .. pair .. "'") end
  local r = run("z_loss", {a = a, b = b})
  local name = string.format("Z-loss a=%g b=%g", a, b)
  rows[#rows + 1] = {name = name, r = r}
  zmodels[#zmodels + 1] = {r = r, a = a, b = b}
  print(string.format("%s: accuracy %.2f%%, top-3 error %.2f%% (%.0f s)", name, 100 * r.acc, 100 * r.top3, r.secs))
  io.stdout:flush()
end

print()
print(string.format("%d epochs, MLP 784-%d-%d-10, Adam lr %g, batch %d (%s); mean of %d seed%s", opt.epochs,
  opt.hidden, opt.hidden, opt.lr, opt.batch, train.name, opt.seeds, opt.seeds == 1 and "" or "s"))
print(string.format("%-22s | %9s | %7s | %11s", "loss", "accuracy", "(sd)", "top-3 error"))
print(string.rep("-", 58))
for _, row in ipairs(rows) do
  print(string.format("%-22s | %8.2f%% | %7.2f | %10.2f%%", row.name, 100 * row.r.acc, 100 * row.r.sd,
    100 * row.r.top3))
end

-- invariance on the trained model's test logits: Z-loss of s o + t, CE for comparison
if #zmodels > 0 then
  local z = zmodels[1]
  local xb, yb = test.x:rows(1, opt.batch), test.y:rows(1, opt.batch)
  local logits = z.r.model:forward({x = xb, y = yb}, false).logits:clone()
  print(string.format("\nshift / scale of the logits (Z-loss a=%g b=%g model, %d test images):", z.a, z.b, opt.batch))
  print(string.format("%-16s | %10s | %13s", "logits", "Z-loss", "cross-entropy"))
  for _, tr in ipairs{{"o", 1, 0}, {"o + 5", 1, 5}, {"3 o", 3, 0}, {"10 o - 2", 10, -2}, {"0.1 o", 0.1, 0}} do
    local o = logits * tr[2] + tr[3]
    print(string.format("%-16s | %10.6f | %13.6f", tr[1], o:z_loss(yb, {a = z.a, b = z.b}):item(),
      o:cross_entropy(yb):item()))
  end
end
