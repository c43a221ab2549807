-- luanet.train and luanet.data: batches, the training loop, determinism,
-- accuracy on the bundled subset, checkpoints.
local ln = require "luanet"

local function mlp_model (sizes, batch)
  local g = ln.graph()
  local net = require("graphs.mlp")(g, {sizes = sizes})
  local y = g:input("y", {"B"}, "int32")
  return g:compile{loss = net.output:cross_entropy(y), outputs = {logits = net.output},
                   batch = batch}
end

local function quiet_fit (t)
  t.log = false
  return ln.train.fit(t)
end

describe("luanet.data", function ()
  it("loads the bundled Fashion-MNIST subset, class-balanced", function ()
    local tr = ln.data.fashion_mnist("train", {subset = true})
    local te = ln.data.fashion_mnist("test", {subset = true, flat = false})
    assert.are.equal(10000, #tr)
    assert.are.same({10000, 784}, tr.x:shape())
    assert.are.same({2000, 1, 28, 28}, te.x:shape())
    local counts = {}
    for i = 1, #te do local c = te.y:get(i); counts[c] = (counts[c] or 0) + 1 end
    for c = 0, 9 do assert.are.equal(200, counts[c]) end
    local lo, hi = tr.x:stats()
    assert.is_true(lo >= 0 and hi <= 1)
  end)
  it("makes seeded, shuffled batches with a partial last batch", function ()
    local ds = ln.data.dataset(ln.arange(1.0, 10):clone{10, 1}, ln.arange(0, 9))
    ln.seed(4)
    local seen, sizes = {}, {}
    for xb, yb in ds:batches(4) do
      sizes[#sizes + 1] = #xb
      for i = 1, #yb do seen[yb:get(i)] = true; assert.are.equal(yb:get(i) + 1, xb:get(i, 1)) end
    end
    assert.are.same({4, 4, 2}, sizes)
    for v = 0, 9 do assert.is_true(seen[v]) end
    ln.seed(4); local a = {}
    for _, yb in ds:batches(4) do for i = 1, #yb do a[#a + 1] = yb:get(i) end end
    ln.seed(4); local b = {}
    for _, yb in ds:batches(4) do for i = 1, #yb do b[#b + 1] = yb:get(i) end end
    assert.are.same(a, b)
    assert.are_not.same({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, a)
  end)
  it("keeps the order with shuffle = false, drawing no random numbers", function ()
    local ds = ln.data.dataset(ln.arange(1.0, 10):clone{10, 1}, ln.arange(0, 9))
    ln.seed(4)
    local want = ln.rand(1):get(1)
    ln.seed(4)
    local got = {}
    for _, yb in ds:batches(4, {shuffle = false}) do for i = 1, #yb do got[#got + 1] = yb:get(i) end end
    assert.are.same({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, got)
    assert.are.equal(want, ln.rand(1):get(1))
  end)
end)

describe("luanet.train", function ()
  it("draws a progress bar with done/total, rate, ETA and loss", function ()
    local lines = {}
    local out = {write = function (_, ...) for _, s in ipairs{...} do lines[#lines + 1] = s end end,
                 flush = function () end}
    local bar = ln.train.progress(10, {out = out, tty = false, label = "epoch 1/1"})
    for _ = 1, 10 do bar:update(1, "loss 0.5") end
    local s = table.concat(lines)
    assert.truthy(s:find("epoch 1/1 [==============================] 10/10", 1, true))
    assert.truthy(s:find("it/s", 1, true))
    assert.truthy(s:find("loss 0.5", 1, true))
  end)

  it("means by batch the run-time size and by max_batch the compiled maximum", function ()
    local m = mlp_model({784, 8, 10}, 64)
    assert.are.equal(64, m:max_batch())
    assert.are.equal(64, m:batch())                 -- no run yet: the compiled size
    m:forward({x = ln.zeros{10, 784}, y = ln.zeros({10}, "int32")})
    assert.are.equal(10, m:batch())
    assert.are.equal(64, m:max_batch())
    assert.are.equal(m:batch(), m.core:batch())     -- the wrapper and the core agree
    assert.are.equal(m:max_batch(), m.core:max_batch())
    assert.truthy(tostring(m):find("batch <= 64", 1, true))
    -- fit and evaluate default to the compiled maximum, not the last run's size
    local ds = ln.data.fashion_mnist("train", {subset = true}):head(128)
    local steps = 0
    quiet_fit{model = m, optim = ln.optim.sgd(m), train = ds, on_step = function () steps = steps + 1 end}
    assert.are.equal(2, steps)
  end)

  it("starts an order part way with batches{start = k}, the same order", function ()
    local ds = ln.data.dataset(ln.arange(1.0, 10):clone{10, 1}, ln.arange(0, 9))
    ln.seed(4)
    local all = {}
    for _, yb in ds:batches(3) do all[#all + 1] = yb:totable() end
    ln.seed(4)
    local tail = {}
    for _, yb, b in ds:batches(3, {start = 3}) do tail[#tail + 1] = {b, yb:totable()} end
    assert.are.same({{3, all[3]}, {4, all[4]}}, tail)
    assert.error_matches(function () ds:batches(3, {start = 6}) end, "batches: start must be an integer in 1..5", nil, true)
  end)

  it("trains, checkpoints and resumes", function ()
    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. dir)
    ln.seed(2)
    local ds = ln.data.fashion_mnist("train", {subset = true}):head(512)
    local m = mlp_model({784, 32, 10}, 64)
    local opt = ln.optim.adam(m, {lr = 1e-3})
    local h = quiet_fit{model = m, optim = opt, train = ds, test = ds:head(128), epochs = 1,
                        batch = 64, checkpoint = dir .. "/ck.lnt", plot = dir .. "/c.png"}
    assert.are.equal(1, #h.epoch)
    local f = io.open(dir .. "/c.png", "rb"); assert.truthy(f); f:close()
    local m2 = mlp_model({784, 32, 10}, 64)
    local opt2 = ln.optim.adam(m2, {lr = 1e-3})
    local h2 = quiet_fit{model = m2, optim = opt2, train = ds, epochs = 2, batch = 64,
                         checkpoint = dir .. "/ck.lnt", resume = true}
    assert.are.same({1, 2}, h2.epoch)
    assert.are.equal(h.train_loss[1], h2.train_loss[1])
    os.execute("rm -rf " .. dir)
  end)

  it("resumes a learning-rate schedule at the step where the run stopped", function ()
    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. dir)
    local ds = ln.data.fashion_mnist("train", {subset = true}):head(256)
    local m = mlp_model({784, 16, 10}, 64)
    local opt = ln.optim.adam(m, {lr = 1e-3})
    quiet_fit{model = m, optim = opt, train = ds, epochs = 1, batch = 64,
              schedule = ln.optim.cosine(opt, {t_max = 8}), checkpoint = dir .. "/ck.lnt"}
    local m2 = mlp_model({784, 16, 10}, 64)
    local opt2 = ln.optim.adam(m2, {lr = 1e-3})
    local sched = ln.optim.cosine(opt2, {t_max = 8})
    local lrs = {}
    quiet_fit{model = m2, optim = opt2, train = ds, epochs = 2, batch = 64, schedule = sched,
              checkpoint = dir .. "/ck.lnt", resume = true,
              on_step = function () lrs[#lrs + 1] = opt2:lr() end}
    -- 4 steps done before the stop; the rate of step t is 1e-3 (1 + cos(pi t / 8)) / 2
    assert.are.equal(4, #lrs)
    for k, lr in ipairs(lrs) do
      local t = 4 + k   -- the rate set after step t - 1, read in on_step after step t
      assert.is_true(math.abs(lr - 1e-3 * (1 + math.cos(math.pi * math.min(t, 8) / 8)) / 2) < 1e-9,
        string.format("step %d: lr %.6g", t, lr))
    end
    os.execute("rm -rf " .. dir)
  end)

  it("gives bit-identical losses for the same seed and thread count #slow", function ()
    local function run ()
      ln.threads(2)
      ln.seed(123)
      local ds = ln.data.fashion_mnist("train", {subset = true})
      local m = mlp_model({784, 1024, 1024, 10}, 128)
      local opt = ln.optim.adam(m, {lr = 1e-3})
      local losses = {}
      quiet_fit{model = m, optim = opt, train = ds, epochs = 2, batch = 128,
                on_step = function (l) losses[#losses + 1] = l end}
      return losses
    end
    local a, b = run(), run()
    assert.are.equal(2 * 79, #a)
    for i = 1, #a do assert.are.equal(a[i], b[i]) end   -- exact, not near
  end)

  it("reaches >= 83% test accuracy with the MLP on the subset #slow", function ()
    ln.seed(1)
    local tr = ln.data.fashion_mnist("train", {subset = true})
    local te = ln.data.fashion_mnist("test", {subset = true})
    local m = mlp_model({784, 1024, 1024, 10}, 128)
    local h = quiet_fit{model = m, optim = ln.optim.adam(m, {lr = 1e-3}), train = tr, test = te,
                        epochs = 5, batch = 128}
    assert.is_true(h.test_acc[5] >= 0.83, "accuracy " .. h.test_acc[5])
  end)
end)
