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
  it("rejects an option the optimizer does not take, and wrong types", function ()
    local m = one_param()
    assert.error_matches(function () ln.optim.adam(m, {momentum = 0.9}) end,
      "optim: no option 'momentum' for adam (its options: lr, weight_decay, beta1, beta2, eps, clip_norm, betas)",
      nil, true)
    assert.error_matches(function () ln.optim.sgd(m, {betas = {0.9, 0.99}}) end,
      "optim: no option 'betas' for sgd", nil, true)
    assert.error_matches(function () ln.optim.sgd(m, {lr = 0.1, momentum = 0.9, nesterov = 1}) end,
      "optim: option 'nesterov' must be a boolean, got number", nil, true)
    assert.error_matches(function () ln.optim.adam(m, {eps = "small"}) end,
      "optim: option 'eps' must be a number, got string", nil, true)
    local opt = ln.optim.adam(m)
    assert.error_matches(function () opt:set{lr = -1} end, "optim: lr must be >= 0", nil, true)
    assert.are.equal(1e-3, opt:lr())   -- a refused set changes nothing
    assert.error_matches(function () opt:get("lr2") end, "optim: unknown option 'lr2' (options: lr,", nil, true)
  end)
  it("takes its options and defaults from the engine's table", function ()
    local by = {}
    for _, f in ipairs(ln.optim.options()) do by[f.name] = f end
    -- PyTorch's defaults: eps 1e-8 for Adam, AdamW and RMSprop; AdamW decay 0.01
    assert.are.same({adam = 1e-8, adamw = 1e-8, rmsprop = 1e-8}, by.eps.default)
    assert.are.same({sgd = 0, adam = 0, adamw = 0.01, rmsprop = 0}, by.weight_decay.default)
    assert.are.same({sgd = false}, by.nesterov.default)
    assert.are.equal("boolean", by.nesterov.type)
    assert.are.same({rmsprop = 0.99}, by.alpha.default)
    for _, kind in ipairs(ln.optim.kinds) do   -- each optimizer reads back its defaults
      local opt = ln.optim[kind](one_param())
      for name, f in pairs(by) do
        if f.kinds[kind] then assert.are.equal(f.default[kind], opt:get(name), kind .. " " .. name) end
      end
    end
    local opt = ln.optim.sgd(one_param(), {lr = 0.1, momentum = 0.9, nesterov = true})
    assert.are.equal(true, opt:get("nesterov"))
    assert.are.equal(0.9, opt:get("momentum"))
  end)
  it("README lists the options as the table gives them", function ()
    local f = assert(io.open("README.md"))
    local readme = f:read("a")
    f:close()
    assert.truthy(readme:find(ln.optim.options_markdown(), 1, true),
      "README.md's option table differs from ln.optim.options_markdown():\n" .. ln.optim.options_markdown())
  end)
  it("clips by the global norm of every parameter", function ()
    local g = ln.graph()
    local w = g:param("w", {3}, "ones")
    local v = g:param("v", {4}, "ones")
    local m = g:compile{loss = (w * 2):sum() + (v * 2):sum(), batch = 1}
    m.core:forward(true); m.core:backward()
    assert.is_true(math.abs(ln.optim.clip_grad_norm(m, 1) - math.sqrt(7 * 4)) < 1e-6)
    local gw, gv = m:grad("w"):get(1), m:grad("v"):get(4)
    assert.is_true(math.abs(gw - 2 / math.sqrt(28)) < 1e-6 and math.abs(gv - 2 / math.sqrt(28)) < 1e-6)
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
