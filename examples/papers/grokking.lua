-- examples/papers/grokking.lua: Grokking at the Edge of Numerical Stability
-- (Prieto, Barsbey, Mediano, Birdal 2025, arXiv:2501.04697).
--
-- The claims, on modular addition (a + b) mod p learned from half of the
-- p^2 pairs by an MLP with no weight decay:
--   * with softmax cross-entropy the net fits the training pairs, then
--     only scales its logits up (naive loss minimisation); the test
--     accuracy stays low and the logits grow until the float32 softmax of
--     the training samples is exactly one-hot (Softmax Collapse): their
--     loss and the gradient of their true class are exactly zero, and
--     learning stops;
--   * StableMax cross-entropy (s(x) = x + 1 for x >= 0, 1 / (1 - x) below,
--     in place of exp) cannot collapse that way, and ⊥Grad (each
--     parameter's gradient projected orthogonal to the parameter,
--     g <- g - (g.w / w.w) w) removes the logit-scaling direction: both
--     let the net generalize without any regularization.
-- The setup follows the authors' code: an MLP on the two one-hot inputs
-- concatenated (2p -> width -> width -> p, ReLU, no biases, PyTorch's
-- default init), full-batch Adam (AdamW with weight decay 0) with
-- eps = 1e-25, float32 everywhere; lr 0.01 and beta2 0.99 for every run
-- (their ⊥Grad run; their StableMax run used beta2 0.999, with which
-- StableMax alone needed about five times more steps here). p = 97 and
-- half of the pairs (they use 113 and 40%) so that StableMax alone
-- generalizes within the default 5000 steps.
local ln = require "luanet"
local nn = ln.nn

local opt = ln.cli.parse(arg, [[
usage: luanet examples/papers/grokking.lua [options]
Modular addition (a + b) mod p, half of the pairs for training, no weight
decay: softmax cross-entropy against StableMax cross-entropy and the ⊥Grad
optimizer, from the same initialisation. Prints train / test accuracy over
the steps, the growth of the logits and the fraction of training samples in
Softmax Collapse; writes PNG plots of the curves.]], {
  {"p", 97, "modulus: inputs a, b in 0..p-1, p classes"},
  {"train_frac", 0.5, "fraction of the p^2 pairs used for training (the rest is the test set)"},
  {"width", 200, "units in each of the two hidden layers"},
  {"steps", 5000, "full-batch training steps per run"},
  {"log", 100, "evaluate every N steps (the table prints a subset)"},
  {"lr", 0.01, "Adam learning rate"},
  {"beta2", 0.99, "Adam beta2 (beta1 = 0.9)"},
  {"eps", 1e-25, "Adam epsilon (tiny, as the authors use, so small gradients still move the weights)"},
  {"runs", "ce,stablemax,ce_orthograd,stablemax_orthograd", "runs to compare, comma-separated"},
  {"renorm", false, "⊥Grad: rescale the projected gradient to its original norm (the authors' code)"},
  {"threads", 0, "threads (0: all cores)"},
  {"seed", 1, "random seed (the split, and the initialisation shared by every run)"},
  {"out", "out/grokking", "directory for the PNG plots"},
})

local RUNS = {
  ce = {label = "softmax CE", loss = "cross_entropy"},
  stablemax = {label = "StableMax CE", loss = "stablemax_ce"},
  ce_orthograd = {label = "softmax CE + orthograd", loss = "cross_entropy", ortho = true},
  stablemax_orthograd = {label = "StableMax CE + orthograd", loss = "stablemax_ce", ortho = true},
}
local order = {}
for name in opt.runs:gmatch("[^,%s]+") do
  if not RUNS[name] then
    io.stderr:write("grokking.lua: unknown run '", name,
      "' (ce, stablemax, ce_orthograd, stablemax_orthograd)\n")
    os.exit(2)
  end
  order[#order + 1] = name
end
if #order == 0 then io.stderr:write("grokking.lua: --runs names no run\n"); os.exit(2) end
if math.type(opt.p) ~= "integer" or opt.p < 2 then
  io.stderr:write("grokking.lua: --p must be an integer >= 2\n"); os.exit(2)
end
if not (opt.train_frac > 0 and opt.train_frac < 1) then
  io.stderr:write("grokking.lua: --train_frac must be in (0, 1)\n"); os.exit(2)
end
for _, k in ipairs{"width", "steps", "log"} do
  if math.type(opt[k]) ~= "integer" or opt[k] < 1 then
    io.stderr:write("grokking.lua: --", k, " must be a positive integer\n"); os.exit(2)
  end
end
if opt.threads > 0 then ln.threads(opt.threads) end
os.execute("mkdir -p '" .. opt.out:gsub("'", "'\\''") .. "'")

-- {====== data: every pair (a, b), a seeded random split ======
-- A pair is fed as two ids into one weight table: a, and p + b. Looking up
-- rows a and p + b and adding them is the product of the concatenated
-- one-hot vectors with the first layer's weights (the same function, the
-- same gradients), without multiplying by the zeros.
local P = opt.p
local function pairs_set (order_, first, count)
  local a, b, y = ln.zeros({count}, "int32"), ln.zeros({count}, "int32"), ln.zeros({count}, "int32")
  for i = 1, count do
    local k = order_[first + i - 1] - 1
    local x1, x2 = k // P, k % P
    a:set(x1, i); b:set(P + x2, i); y:set((x1 + x2) % P, i)
  end
  return {a = a, b = b, y = y, n = count}
end

ln.seed(opt.seed)
local shuffled = {}
for i = 1, P * P do shuffled[i] = i end
for i = P * P, 2, -1 do   -- Fisher-Yates with luanet's seeded generator
  local j = math.min(i, math.floor(ln.rand(1):get(1) * i) + 1)
  shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
end
local n_train = math.floor(opt.train_frac * P * P)
if n_train < 1 or n_train >= P * P then
  io.stderr:write("grokking.lua: --train_frac leaves an empty training or test set\n"); os.exit(2)
end
local train = pairs_set(shuffled, 1, n_train)
local test = pairs_set(shuffled, n_train + 1, P * P - n_train)
print(string.format("(a + b) mod %d: %d pairs, %d for training, %d for testing", P, P * P,
  train.n, test.n))
-- }======

local function build (loss_op)
  local g = ln.graph()
  local a, b = g:input("a", {"B"}, "int32"), g:input("b", {"B"}, "int32")
  local y = g:input("y", {"B"}, "int32")
  -- PyTorch's default for Linear(2p, width): U(-1/sqrt(2p), 1/sqrt(2p))
  local w1 = g:param("layer1.weight", {2 * P, opt.width}, "uniform", 1 / math.sqrt(2 * P))
  local h = (a:embedding(w1) + b:embedding(w1)):relu()
  h = nn.Linear(opt.width, opt.width, {bias = false})(h):relu()
  local logits = nn.Linear(opt.width, P, {bias = false})(h)
  return g:compile{loss = logits[loss_op](logits, y), outputs = {logits = logits},
                   batch = math.max(train.n, test.n)}
end

-- {====== measurements ======
-- Softmax Collapse (the paper's definition): with z the row's logits and
-- t its top class, 1 + sum_{k ~= t} exp(z_k - z_t) rounds to exactly 1 in
-- float32, i.e. the sum is at most 2^-24 (half an ulp of 1). The float32
-- softmax is then exactly one-hot: the sample's loss and the gradient of
-- its top class are exactly zero. (luanet's cross_entropy adds the
-- exponentials in double but keeps the probabilities in float32: there the
-- top class's probability rounds to exactly 1, and its gradient to 0, once
-- the sum is below about 2^-25, a logit gap only ln 2 wider.)
local HALF_ULP = 2 ^ -24

-- accuracy, fraction in Softmax Collapse (train only) and max |logit|
local function measure (model, ds, collapse)
  local logits = model:forward({a = ds.a, b = ds.b, y = ds.y}, false).logits
  local pred = logits:argmax_rows()
  local correct = 0
  for i = 1, ds.n do if pred[i] == ds.y:get(i) then correct = correct + 1 end end
  local lo, hi = logits:stats()
  local sc
  if collapse then
    sc = 0
    for _, row in ipairs(logits:totable()) do
      local top, t = -math.huge, 0
      for k = 1, #row do if row[k] > top then top, t = row[k], k end end
      local rest = 0
      for k = 1, #row do if k ~= t then rest = rest + math.exp(row[k] - top) end end
      if rest <= HALF_ULP then sc = sc + 1 end
    end
    sc = sc / ds.n
  end
  return correct / ds.n, sc, math.max(math.abs(lo), math.abs(hi))
end
-- }======

local function run (name)
  local spec = RUNS[name]
  ln.seed(opt.seed)   -- the same initialisation for every run
  local model = build(spec.loss)
  local adam = ln.optim.adamw(model, {lr = opt.lr, betas = {0.9, opt.beta2}, eps = opt.eps,
    weight_decay = 0, orthograd = spec.ortho and {renorm = opt.renorm} or nil})
  local feeds = {a = train.a, b = train.b, y = train.y}
  local h = {step = {}, train = {}, test = {}, sc = {}, zmax = {}, loss = {}, gnorm = {}}
  local bar = ln.train.progress(opt.steps, {label = spec.label})
  local loss, gnorm = 0 / 0, 0 / 0
  local t0 = ln.train.wall()
  for step = 0, opt.steps do
    if step % opt.log == 0 or step == opt.steps then
      local tr, sc, zmax = measure(model, train, spec.loss == "cross_entropy")
      local te = measure(model, test, false)
      local k = #h.step + 1
      h.step[k], h.train[k], h.test[k], h.sc[k], h.zmax[k] = step, tr, te, sc or 0 / 0, zmax
      h.loss[k], h.gnorm[k] = loss, gnorm
    end
    if step == opt.steps then break end
    loss = model:forward(feeds, true).loss
    model:backward()
    gnorm = adam:step()
    bar:update(1, string.format("loss %.3g", loss))
  end
  bar:finish()
  h.secs = ln.train.wall() - t0
  return h
end

local results = {}
for _, name in ipairs(order) do results[name] = run(name) end

-- {====== report ======
local function pct (v) return v ~= v and "     -" or string.format("%6.1f", 100 * v) end

-- table rows: the first few evaluations, then every fifth
local function shown (k, step)
  return k <= 4 or (step // opt.log) % 5 == 0 or step == opt.steps
end

local first = results[order[1]]
print("\ntrain / test accuracy (%) over the steps")
local head = {"  step"}
for _, name in ipairs(order) do head[#head + 1] = string.format("%26s", RUNS[name].label) end
print(table.concat(head, " |"))
-- one row per shown step, one cell per run
local function step_rows (cell)
  for k, step in ipairs(first.step) do
    if shown(k, step) then
      local row = {string.format("%6d", step)}
      for _, name in ipairs(order) do row[#row + 1] = cell(results[name], k) end
      print(table.concat(row, " |"))
    end
  end
end
step_rows(function (h, k) return string.format("%17s / %s", pct(h.train[k]), pct(h.test[k])) end)

print("\nlogit growth and Softmax Collapse: max |logit| over the training set, SC = % of the")
print("training samples whose float32 softmax is exactly one-hot (softmax CE runs), |grad| =")
print("the gradient norm of the step before")
head = {"  step"}
local sub = {"      "}
for _, name in ipairs(order) do
  head[#head + 1] = string.format("%26s", RUNS[name].label)
  sub[#sub + 1] = string.format("%26s", "max|z|   SC %    |grad|")
end
print(table.concat(head, " |"))
print(table.concat(sub, " |"))
step_rows(function (h, k)
  local gn = h.gnorm[k] ~= h.gnorm[k] and "-" or string.format("%.2e", h.gnorm[k])
  return string.format("%9.4g %s %9s", h.zmax[k], pct(h.sc[k]), gn)
end)

-- summary: final and best test accuracy, the first step at 90% test
local function first_at (h, key, level)
  for k, v in ipairs(h[key]) do if v >= level then return h.step[k] end end
  return nil
end
print(string.format("\n%-26s %9s %9s %9s %12s %10s %8s %8s", "run", "train %", "test %",
  "best %", "test>=90% at", "max|logit|", "SC %", "seconds"))
for _, name in ipairs(order) do
  local h, n = results[name], #results[name].step
  local best = 0
  for _, v in ipairs(h.test) do best = math.max(best, v) end
  local at = first_at(h, "test", 0.9)
  print(string.format("%-26s %9.1f %9.1f %9.1f %12s %10.1f %s %8.1f", RUNS[name].label,
    100 * h.train[n], 100 * h.test[n], 100 * best, at and tostring(at) or "-", h.zmax[n],
    pct(h.sc[n]) .. "  ", h.secs))
end

-- the claims, as measured
print("")
local ce = results.ce
if ce then
  local n = #ce.step
  local fit = first_at(ce, "train", 1)
  print(string.format("softmax CE, no weight decay: train accuracy %.1f%% (100%% from step %s), test %.1f%%;",
    100 * ce.train[n], fit and tostring(fit) or "-", 100 * ce.test[n]))
  print(string.format("  max |logit| %.3g -> %.4g; Softmax Collapse in %.1f%% of the training samples at the end",
    ce.zmax[1], ce.zmax[n], 100 * ce.sc[n]))
  print(string.format("  claim (fits, test stalls below 50%%, training samples collapse): %s",
    (ce.train[n] >= 0.99 and ce.test[n] < 0.5 and ce.sc[n] >= 0.5) and "yes" or "NO"))
end
for _, name in ipairs(order) do
  if name ~= "ce" then
    local h = results[name]
    local at = first_at(h, "test", 0.9)
    print(string.format("%s, no weight decay: test accuracy %.1f%% at the end%s: %s", RUNS[name].label,
      100 * h.test[#h.test], at and string.format(", 90%% first at step %d", at) or "",
      h.test[#h.test] >= 0.9 and "generalizes (claim holds)" or "does NOT reach 90%"))
  end
end

-- plots: test accuracy of every run (and the training accuracy of softmax
-- CE, the gap of memorisation); log10 max |logit| and the collapsed fraction
local plot = require "luanet.plot"
local acc_series, z_series = {}, {}
for _, name in ipairs(order) do
  local h = results[name]
  acc_series[#acc_series + 1] = {name = RUNS[name].label .. " test", x = h.step, y = h.test}
  if ce == h then
    acc_series[#acc_series + 1] = {name = "softmax CE train", x = h.step, y = h.train}
  end
  local lz = {}
  for k, z in ipairs(h.zmax) do lz[k] = math.log(math.max(z, 1e-3), 10) end
  z_series[#z_series + 1] = {name = RUNS[name].label, x = h.step, y = lz}
  if ce == h then
    z_series[#z_series + 1] = {name = "softmax CE: fraction collapsed", x = h.step, y = h.sc}
  end
end
local acc_png = opt.out .. "/grokking_accuracy.png"
plot.lines(acc_png, {title = string.format("(a + b) mod %d, no weight decay: accuracy", P),
  xlabel = "step", ylabel = "accuracy", series = acc_series, width = 900, height = 500})
local z_png = opt.out .. "/grokking_logits.png"
plot.lines(z_png, {title = "log10 max |logit| (training set); Softmax Collapse fraction",
  xlabel = "step", series = z_series, width = 900, height = 500})
print("wrote " .. acc_png .. " and " .. z_png)
-- }======
