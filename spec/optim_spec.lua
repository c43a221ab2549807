-- Optimizers against hand-computed updates (PyTorch's rules), clipping,
-- schedules.
local ln = require "luanet"

-- a model with one parameter w = 1 whose gradient is always 3
local function one_param ()
  local g = ln.graph()
  local w = g:param("w", {1}, "ones")
  local loss = (w * 3):sum()
  local m = g:compile{loss = loss, batch = 1}
  return m
end

local function run (kind, opts, steps)
  local m = one_param()
  local opt = ln.optim[kind](m, opts)
  for _ = 1, steps or 1 do
    m.core:forward(true)
    m.core:backward()
    opt:step()
  end
  return m:param("w"):get(1), opt
end

local function near (a, b) assert.is_true(math.abs(a - b) < 1e-5, string.format("got %.7g want %.7g", a, b)) end

describe("luanet.optim", function ()
  it("SGD: plain, momentum, Nesterov, weight decay", function ()
    near(run("sgd", {lr = 0.1}), 0.7)
    near(run("sgd", {lr = 0.1, momentum = 0.9}, 2), 0.13)        -- buf: 3, then 5.7
    near(run("sgd", {lr = 0.1, momentum = 0.9, nesterov = true}), 0.43)
    near(run("sgd", {lr = 0.1, weight_decay = 0.1}), 0.69)
  end)
  it("Adam: the first steps move by lr when the gradient is constant", function ()
    near(run("adam", {lr = 0.1}), 0.9)
    near(run("adam", {lr = 0.1}, 2), 0.8)
  end)
  it("AdamW: decoupled weight decay", function ()
    near(run("adamw", {lr = 0.1, weight_decay = 0.1}), 0.89)
  end)
  it("RMSprop: lr * g / sqrt((1 - alpha) g^2)", function ()
    near(run("rmsprop", {lr = 0.01, alpha = 0.99}), 0.9)
  end)
  it("clips by global norm before the update", function ()
    near(run("sgd", {lr = 0.1, clip_norm = 1}), 0.9)
  end)
  it("rejects bad options", function ()
    local m = one_param()
    assert.error_matches(function () ln.optim.sgd(m, {lr = -1}) end, "optim: lr must be >= 0", nil, true)
    assert.error_matches(function () ln.optim.adam(m, {lr2 = 1}) end, "optim: unknown option 'lr2'", nil, true)
    assert.error_matches(function () ln.optim.adam(42) end, "first argument must be a model", nil, true)
  end)
  it("accepts model:params() as in the design sketch", function ()
    local m = one_param()
    local opt = ln.optim.adam(m:params(), {lr = 0.5})
    assert.are.equal(0.5, opt:lr())
  end)

  describe("schedules", function ()
    it("step_lr multiplies by gamma every step_size steps", function ()
      local _, opt = run("sgd", {lr = 1}, 0)
      local s = ln.optim.step_lr(opt, {step_size = 2, gamma = 0.5})
      near(opt:lr(), 1); s:step(); near(opt:lr(), 1); s:step(); near(opt:lr(), 0.5)
      s:step(); s:step(); near(opt:lr(), 0.25)
    end)
    it("cosine with linear warmup", function ()
      local _, opt = run("sgd", {lr = 1}, 0)
      local s = ln.optim.cosine(opt, {t_max = 12, warmup = 2})
      near(s:lr(0), 0.5); near(s:lr(1), 1)
      near(s:lr(7), 0.5)       -- halfway through the cosine part
      near(s:lr(12), 0)
    end)
    it("warmup ramps linearly then stays", function ()
      local _, opt = run("sgd", {lr = 2}, 0)
      local s = ln.optim.warmup(opt, {warmup = 4})
      near(opt:lr(), 0.5); s:step(); near(opt:lr(), 1); s:step(); s:step(); s:step(); near(opt:lr(), 2)
    end)
  end)
end)
