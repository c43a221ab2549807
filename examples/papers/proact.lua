-- examples/papers/proact.lua: ProAct (Mousavi, Ahmadilivani, Raik, Jenihhin,
-- Daneshtalab 2024, "ProAct: Progressive Training for Hybrid Clipped
-- Activation Function to Enhance Resilience of DNNs", arXiv:2406.06313) on a
-- ReLU MLP and Fashion-MNIST.
--
-- The claim: a bit flip in a float32 weight or activation, above all in the
-- top exponent bit, turns a value v into about v * 2^128; unbounded ReLU
-- carries that to the output, a clipped ReLU min(max(0, x), T) bounds it.
-- The recipe, as in the authors' code (github.com/hamidmousavi0/
-- reliable-relu-toolbox, search_bound/proact.py):
--
--   1. train the ReLU net; it stays frozen and is the teacher;
--   2. replace each ReLU by clipped_relu, T initialised to the largest
--      activation on calibration data (per neuron, or its maximum per layer);
--      HyReLU, the paper's hybrid, is layer-wise in every layer but the last,
--      which is neuron-wise;
--   3. train the thresholds one layer at a time, last layer first, with the
--      loss cross-entropy + KL to the teacher's softmax and an L2 pull on T
--      (Adam's weight_decay), for a list of decays from strong to weak; after
--      each epoch, if the held-out accuracy fell more than --max-drop points
--      below the ReLU net's, undo the epoch and go to the next decay.
--
-- (The authors' activation is a smooth step that sends x > T to 0; this
-- uses luanet's clipped_relu, which holds x > T at T, the form of the
-- paper's equation and of the clipped ReLUs it compares against.)
--
-- Then faults: random bit flips in the float32 weights and biases of every
-- linear layer (a bit error rate over all their bits), and in the linear
-- layers' outputs (the activations before the activation function, as
-- PyTorchFI's neuron faults). The engine has no hook inside a forward pass,
-- so the evaluation runs the net as one compiled stage per linear layer and
-- corrupts the outputs between stages. Every trial draws its faults from a
-- seed of its own, the same for every variant, and restores the weights
-- after. A prediction whose logits hold Inf or NaN counts as wrong.
local ln = require "luanet"

local opt = ln.cli.parse(arg, [[
usage: luanet examples/papers/proact.lua [options]
ProAct: clipped ReLU with neuron-wise, layer-wise and hybrid (HyReLU)
thresholds, trained progressively from a ReLU MLP; test accuracy under random
bit flips in the weights and in the activations against plain ReLU.]], {
  {"hidden", 256, "hidden width"},
  {"layers", 3, "hidden layers (each followed by the activation)"},
  {"epochs", 8, "epochs of ReLU training (step 1)"},
  {"batch", 128, "mini-batch size"},
  {"lr", 1e-3, "Adam learning rate (step 1)"},
  {"val", 1000, "training examples held out for the accuracy check of step 3"},
  {"calib", 2000, "training examples whose largest activation initialises T"},
  {"t_lr", 0.02, "Adam learning rate of the thresholds (step 3)"},
  {"t_epochs", 6, "epochs per layer and decay at most (step 3)"},
  {"decays", "1e-2,1e-3,1e-4", "L2 factors on T, tried in turn (step 3)"},
  {"max_drop", 0.5, "held-out accuracy points the thresholds may cost (step 3)"},
  {"variants", "relu,layer,neuron,hybrid", "variants (relu, layer, neuron, hybrid)"},
  {"calibrated", true, "also evaluate each clipped variant with its calibrated T, before step 3 (--calibrated=false: not)"},
  {"bers", "1e-6,1e-5,3e-5,1e-4,3e-4", "bit error rates of the weight faults"},
  {"act_bers", "1e-5,1e-4,3e-4,1e-3", "bit error rates of the activation faults ('' : none)"},
  {"trials", 20, "fault trials per bit error rate"},
  {"full", false, "full Fashion-MNIST when installed (default: bundled subset)"},
  {"limit", 0, "use only the first N training examples (0: all)"},
  {"threads", 0, "threads (0: all cores)"},
  {"seed", 1, "random seed"},
  {"out", "out/proact", "directory for proact.png"},
})

local function fail (msg)
  io.stderr:write("proact.lua: ", msg, "\n")
  os.exit(2)
end

local function numbers (s, what)
  local list = {}
  for v in s:gmatch("[^,%s]+") do
    local n = tonumber(v)
    if not n or n < 0 or n > 1 then fail("--" .. what .. " needs numbers in 0..1, got '" .. v .. "'") end
    list[#list + 1] = n
  end
  return list
end

local VARIANTS = {
  relu = {label = "ReLU"},
  layer = {label = "layer-wise", mode = "layer"},
  neuron = {label = "neuron-wise", mode = "neuron"},
  hybrid = {label = "HyReLU (hybrid)", mode = "hybrid"},
}
local order = {}
for name in opt.variants:gmatch("[^,%s]+") do
  if not VARIANTS[name] then fail("unknown variant '" .. name .. "' (relu, layer, neuron, hybrid)") end
  order[#order + 1] = name
end
for _, k in ipairs{"hidden", "layers", "batch", "trials", "val", "calib"} do
  if math.type(opt[k]) ~= "integer" or opt[k] < 1 then
    fail("--" .. k .. " must be a positive integer, got " .. tostring(opt[k]))
  end
end
local decays, bers, act_bers = numbers(opt.decays, "decays"), numbers(opt.bers, "bers"),
  numbers(opt.act_bers, "act-bers")
if opt.threads > 0 then ln.threads(opt.threads) end
os.execute("mkdir -p '" .. opt.out:gsub("'", "'\\''") .. "'")
ln.seed(opt.seed)
local t_start = ln.train.wall()

-- {====== data ======
local all = ln.data.fashion_mnist("train", {subset = not opt.full})
local test = ln.data.fashion_mnist("test", {subset = not opt.full})
if opt.limit > 0 then all = all:head(opt.limit) end
if opt.val >= #all then fail(string.format("--val %d leaves no training examples of %d", opt.val, #all)) end
local ntr = #all - opt.val
local train = ln.data.dataset(all.x:rows(1, ntr), all.y:rows(1, ntr), "train")
local val = ln.data.dataset(all.x:rows(ntr + 1, opt.val), all.y:rows(ntr + 1, opt.val), "held out")
local calib = train:head(math.min(opt.calib, ntr))
print(string.format("%s: %d train (%d for calibration), %d held out; %d test", all.name, #train,
  #calib, #val, #test))
-- }======

-- {====== the net ======
local L = opt.layers

-- the activation kind of hidden layer l: "relu", "neuron" or "layer"
local function act_kind (variant, l)
  local mode = VARIANTS[variant].mode
  if not mode then return "relu" end
  if mode == "hybrid" then return l == L and "neuron" or "layer" end
  return mode
end

local function width (l) return l == 0 and 784 or (l <= L and opt.hidden or 10) end

-- linear layer l on 'h': trainable weights (nn.Linear), or frozen ones,
-- buffers made on first use and kept in 'frozen' to be shared
local function linear (g, h, l, frozen)
  local name = "fc" .. l
  if not frozen then return ln.nn.Linear(width(l - 1), width(l), {name = name})(h) end
  if not frozen[l] then
    frozen[l] = {g:buffer(name .. ".weight", {width(l), width(l - 1)}, 0),
                 g:buffer(name .. ".bias", {width(l)}, 0)}
  end
  return g:op("linear", h, frozen[l][1], frozen[l][2])
end

-- the activation after linear layer l; a clipped one has thresholds
-- "act<l>.threshold", trainable (nn.ClippedReLU) or a frozen buffer
local function activation (g, h, kind, l, trainable)
  if kind == "relu" then return h:relu() end
  local name = "act" .. l
  if trainable then return ln.nn.ClippedReLU{mode = kind, name = name}(h) end
  local shape = kind == "layer" and {1} or {opt.hidden}
  return g:op("clipped_relu", h, g:buffer(name .. ".threshold", shape, 0))
end

-- the MLP 784-H-..-H-10 of 'variant'. train = "weights": trainable weights
-- (step 1); train = l: only layer l's thresholds train, and the loss adds
-- KL(teacher || net), the teacher being the same frozen weights with ReLU.
-- Outputs: logits, and pre<l> (layer l's linear output) for the calibration
local function build (variant, train)
  local g = ln.graph()
  local x = g:input("x", {"B", 784})
  local y = g:input("y", {"B"}, "int32")
  local frozen = train ~= "weights" and {} or nil
  local h, t, outs = x, x, {}
  for l = 1, L + 1 do
    local pre = linear(g, h, l, frozen)
    if l > L then h = pre; break end
    outs["pre" .. l] = pre
    h = activation(g, pre, act_kind(variant, l), l, train == l)
  end
  outs.logits = h
  local loss = h:cross_entropy(y)
  if type(train) == "number" then
    for l = 1, L + 1 do   -- the teacher: the same buffers, ReLU
      t = linear(g, t, l, frozen)
      if l <= L then t = t:relu() end
    end
    loss = loss + h:log_softmax():kl_div(t:softmax(), {reduction = "batchmean"})
  end
  return g:compile{loss = loss, outputs = outs, batch = opt.batch}
end

-- the net as L + 1 stages, stage l = [activation l-1], linear l, so that
-- faults can be put into the linear outputs between stages
local function build_stages (variant)
  local stages = {}
  for l = 1, L + 1 do
    local g = ln.graph()
    local h = g:input("x", {"B", width(l - 1)})
    if l > 1 then h = activation(g, h, act_kind(variant, l - 1), l - 1, false) end
    stages[l] = g:compile{outputs = {z = linear(g, h, l, {})}, batch = opt.batch}
  end
  return stages
end

-- the tensor of node 'name' in 'model' (a parameter or a buffer), or nil
local function node_value (model, name)
  local id = model.core:find(name)
  return id and model.core:value(id)
end

-- copy the values {name = tensor} into the models that have those nodes
local function load_values (models, values)
  for _, m in ipairs(models) do
    for name, t in pairs(values) do
      local dst = node_value(m, name)
      if dst then dst:copy(t) end
    end
  end
end

local function weight_names ()
  local names = {}
  for l = 1, L + 1 do
    names[#names + 1] = "fc" .. l .. ".weight"
    names[#names + 1] = "fc" .. l .. ".bias"
  end
  return names
end
-- }======

-- {====== step 1: the ReLU net ======
print(string.format("\n== step 1: ReLU MLP 784-%d x %d-10, %d epochs", opt.hidden, L, opt.epochs))
local relu_net = build("relu", "weights")
ln.train.fit{model = relu_net, optim = ln.optim.adam(relu_net, {lr = opt.lr}), train = train,
  epochs = opt.epochs, batch = opt.batch}
local weights = {}
for _, name in ipairs(weight_names()) do weights[name] = relu_net:param(name):clone() end
local relu_val = ln.train.evaluate(relu_net, val)
print(string.format("ReLU: held-out accuracy %.2f%%", 100 * relu_val))
-- }======

-- {====== step 2: thresholds from the largest activations ======
-- per neuron: the largest ReLU output on the calibration data (0 for a
-- neuron that never fires there)
local neuron_max = {}
for l = 1, L do
  local mx = {}
  for j = 1, opt.hidden do mx[j] = 0 end
  for xb, yb in calib:batches(opt.batch, {shuffle = false}) do
    local m = relu_net:forward({x = xb, y = yb}, false)["pre" .. l]:max(1)
    for j = 1, opt.hidden do mx[j] = math.max(mx[j], m:flat(j)) end
  end
  neuron_max[l] = mx
end

-- the calibrated thresholds {name = tensor} of 'variant'
local function calibrated (variant)
  local values = {}
  for l = 1, L do
    local kind = act_kind(variant, l)
    if kind == "neuron" then
      values["act" .. l .. ".threshold"] = ln.tensor(neuron_max[l])
    elseif kind == "layer" then
      values["act" .. l .. ".threshold"] = ln.tensor{math.max(table.unpack(neuron_max[l]))}
    end
  end
  return values
end
-- }======

-- {====== step 3: progressive threshold training ======
local function merged (a, b)
  local m = {}
  for k, v in pairs(a) do m[k] = v end
  for k, v in pairs(b) do m[k] = v end
  return m
end

local function t_mean (t) return t:mean():item() end

-- train the thresholds of 'variant' layer by layer, last first; returns
-- the thresholds {name = tensor}
local function proact (variant, thresholds)
  thresholds = merged(thresholds, {})
  for l = L, 1, -1 do
    local name = "act" .. l .. ".threshold"
    local m = build(variant, l)
    load_values({m}, merged(weights, thresholds))
    local adam = ln.optim.adam(m, {lr = opt.t_lr})
    local T = m:param(name)
    local kept, start, epochs = T:clone(), t_mean(T), 0
    for _, wd in ipairs(decays) do
      adam:set{weight_decay = wd}
      for _ = 1, opt.t_epochs do
        -- T < 0 would hold every output at a negative constant: keep T >= 0
        ln.train.fit{model = m, optim = adam, train = train, epochs = 1, batch = opt.batch,
          log = false, on_step = function () T:copy(T:relu()) end}
        epochs = epochs + 1
        if 100 * (relu_val - ln.train.evaluate(m, val)) > opt.max_drop then
          T:copy(kept)   -- undo this epoch; try the next, weaker decay
          break
        end
        kept = T:clone()
      end
    end
    thresholds[name] = kept
    print(string.format("  layer %d (%s-wise, %d thresholds): mean T %.3f -> %.3f after %d epochs",
      l, act_kind(variant, l), kept:numel(), start, t_mean(kept), epochs))
  end
  return thresholds
end

-- the rows to evaluate: {label, variant, thresholds}
local rows = {}
for _, name in ipairs(order) do
  local v = VARIANTS[name]
  if not v.mode then
    rows[#rows + 1] = {label = v.label, variant = name, thresholds = {}}
  else
    local cal = calibrated(name)
    if opt.calibrated then
      rows[#rows + 1] = {label = v.label .. ", calibrated", variant = name, thresholds = cal}
    end
    print(string.format("\n== step 3: %s, progressive threshold training", v.label))
    rows[#rows + 1] = {label = v.label .. ", ProAct", variant = name, thresholds = proact(name, cal)}
  end
end
local t_train = ln.train.wall() - t_start
-- }======

-- {====== fault injection ======
-- the number of flips for 'bits' bits at rate 'ber': its expectation,
-- the fraction rounded at random
local function n_flips (bits, ber)
  local e = bits * ber
  local n = math.floor(e)
  if math.random() < e - n then n = n + 1 end
  return n
end

-- flip 'n' distinct random bits among the elements of 'tensors' (a list)
local function flip_random (tensors, n)
  local total = 0
  for _, t in ipairs(tensors) do total = total + t:numel() end
  local seen = {}
  while n > 0 do
    local k, bit = math.random(total), math.random(0, 31)
    local key = k * 32 + bit
    if not seen[key] then
      seen[key] = true
      n = n - 1
      for _, t in ipairs(tensors) do
        if k <= t:numel() then t:flip_bit(k, bit); break end
        k = k - t:numel()
      end
    end
  end
end

local function finite (v) return v == v and v ~= math.huge and v ~= -math.huge end

-- correct predictions in a batch of logits; rows with Inf or NaN are wrong
local function n_correct (logits, yb)
  local pred, ok = logits:argmax_rows(), 0
  local _, _, mean = logits:stats()
  local classes = logits:numel() // #yb
  for i = 1, #yb do
    local good = pred[i] == yb:get(i)
    if good and not finite(mean) then   -- some value is not finite: look at the row
      for c = 1, classes do
        if not finite(logits:get(i, c)) then good = false; break end
      end
    end
    if good then ok = ok + 1 end
  end
  return ok
end

-- test accuracy through the stages; 'act_ber' > 0 flips bits in every
-- linear output at that rate
local function accuracy (stages, act_ber)
  local correct = 0
  for xb, yb in test:batches(opt.batch, {shuffle = false}) do
    local z = xb
    for _, st in ipairs(stages) do
      z = st:forward({x = z}, false).z
      if act_ber > 0 then flip_random({z}, n_flips(z:numel() * 32, act_ber)) end
    end
    correct = correct + n_correct(z, yb)
  end
  return correct / #test
end

-- the seed of trial 'k' at rate index 'i' of fault kind 'kind'
local function trial_seed (kind, i, k) return opt.seed * 1000003 + kind * 10007 + i * 101 + k end

local wsites = weight_names()
local results = {}
for r, row in ipairs(rows) do
  local stages = build_stages(row.variant)
  load_values(stages, merged(weights, row.thresholds))
  local fault_w = {}   -- the stages' weight tensors, in a fixed order
  for _, name in ipairs(wsites) do
    for _, st in ipairs(stages) do fault_w[#fault_w + 1] = node_value(st, name) end
  end
  local res = {clean = accuracy(stages, 0), w = {}, a = {}}
  local bits = 0
  for _, t in ipairs(fault_w) do bits = bits + 32 * t:numel() end
  for i, ber in ipairs(bers) do
    local sum = 0
    for k = 1, opt.trials do
      math.randomseed(trial_seed(1, i, k))
      flip_random(fault_w, n_flips(bits, ber))
      sum = sum + accuracy(stages, 0)
      load_values(stages, weights)   -- restore
    end
    res.w[i] = sum / opt.trials
  end
  for i, ber in ipairs(act_bers) do
    local sum = 0
    for k = 1, opt.trials do
      math.randomseed(trial_seed(2, i, k))
      sum = sum + accuracy(stages, ber)
    end
    res.a[i] = sum / opt.trials
  end
  local nt = 0
  for _, t in pairs(row.thresholds) do nt = nt + t:numel() end
  res.n_thresholds = nt
  results[r] = res
  io.stdout:write(string.format("evaluated %s\n", row.label))
end
-- }======

-- {====== report ======
local function print_table (title, rates, key)
  print(string.format("\n%s (mean test accuracy over %d trial%s)", title, opt.trials,
    opt.trials == 1 and "" or "s"))
  local head = {string.format("%-30s %10s %9s", "variant", "thresholds", "clean")}
  for _, b in ipairs(rates) do head[#head + 1] = string.format("%9s", string.format("%g", b)) end
  print(table.concat(head, " "))
  for r, row in ipairs(rows) do
    local res = results[r]
    local line = {string.format("%-30s %10d %8.2f%%", row.label, res.n_thresholds, 100 * res.clean)}
    for i = 1, #rates do line[#line + 1] = string.format("%8.2f%%", 100 * res[key][i]) end
    print(table.concat(line, " "))
  end
end

local n_bits = 0
for _, name in ipairs(wsites) do n_bits = n_bits + 32 * weights[name]:numel() end
print(string.format("\nProAct on %s, MLP 784-%d x %d-10 (%d weight and bias bits)", all.name,
  opt.hidden, L, n_bits))
if #bers > 0 then print_table("bit flips in weights and biases, by bit error rate", bers, "w") end
if #act_bers > 0 then
  print_table("bit flips in the linear layers' outputs, by bit error rate", act_bers, "a")
end

-- the claims, at the highest weight BER: ProAct's clipped variants keep
-- much more accuracy than ReLU at equal clean accuracy (within 1 point);
-- the progressive training adds to the calibrated thresholds; HyReLU is
-- close to neuron-wise with a fraction of its thresholds (the paper's nets
-- are CNNs with most weights late; in this MLP most weights are fc1's,
-- whose faults layer 1's thresholds bound, and HyReLU has one threshold
-- there)
local by = {}
for r, row in ipairs(rows) do by[row.label] = results[r] end
local top = #bers
local relu = by[VARIANTS.relu.label]
if relu and top > 0 then
  print(string.format("\nclaim: at equal clean accuracy (within 1 point) the ProAct variants keep" ..
    " at least 10 points more than ReLU at BER %g", bers[top]))
  for r, row in ipairs(rows) do
    if row.label:find("ProAct", 1, true) then
      local res = results[r]
      local d_clean, d_fault = 100 * (res.clean - relu.clean), 100 * (res.w[top] - relu.w[top])
      print(string.format("  %-28s clean %+.2f points, at BER %g %+.2f points: %s", row.label,
        d_clean, bers[top], d_fault,
        (math.abs(d_clean) <= 1 and d_fault >= 10) and "supports" or "does NOT support"))
    end
  end
end
if top > 0 and opt.calibrated then
  print(string.format("ProAct against the calibrated thresholds alone, at BER %g:", bers[top]))
  for _, name in ipairs(order) do
    local label = VARIANTS[name].label
    local cal, pro = by[label .. ", calibrated"], by[label .. ", ProAct"]
    if cal and pro then
      print(string.format("  %-28s %.2f%% -> %.2f%% (%+.2f points)", label, 100 * cal.w[top],
        100 * pro.w[top], 100 * (pro.w[top] - cal.w[top])))
    end
  end
end
if top > 0 then
  local hy, lw, nw = by["HyReLU (hybrid), ProAct"], by["layer-wise, ProAct"], by["neuron-wise, ProAct"]
  if hy and lw and nw then
    print(string.format("HyReLU at BER %g: %.2f%% with %d thresholds; layer-wise %.2f%% (%d), " ..
      "neuron-wise %.2f%% (%d)", bers[top], 100 * hy.w[top], hy.n_thresholds, 100 * lw.w[top],
      lw.n_thresholds, 100 * nw.w[top], nw.n_thresholds))
  end
end
print(string.format("time: %.0f s training, %.0f s in all", t_train, ln.train.wall() - t_start))

if #bers > 0 then
  local series = {}
  for r, row in ipairs(rows) do
    local xs, ys = {}, {}
    for i, b in ipairs(bers) do
      if b > 0 then xs[#xs + 1], ys[#ys + 1] = math.log(b, 10), 100 * results[r].w[i] end
    end
    series[#series + 1] = {name = row.label, x = xs, y = ys}
  end
  local png = opt.out .. "/proact.png"
  ln.plot.lines(png, {title = "ProAct: test accuracy under weight bit flips",
    xlabel = "log10(bit error rate)", ylabel = "accuracy %", series = series, width = 800, height = 500})
  print("wrote " .. png)
end
-- }======
