-- ⊥Grad (ln.optim.orthograd; the C kernel ln_orthograd): the projected
-- gradient is orthogonal to the weights and the update matches a hand
-- computation, with SGD and Adam, with and without rescaling.
local ln = require "luanet"

-- a linear map 3 -> 2 without bias, mse to a fixed target
local function setup (seed)
  ln.seed(seed or 3)
  local g = ln.graph()
  local x = g:input("x", {"B", 3})
  local t = g:input("t", {"B", 2})
  local y = ln.nn.Linear(3, 2, {bias = false, name = "lin"})(x)
  local m = g:compile{loss = y:mse(t), batch = 4}
  local feeds = {x = ln.randn(4, 3), t = ln.randn(4, 2)}
  return m, feeds
end

local function dot (a, b)
  local s = 0
  for k = 1, a:numel() do s = s + a:flat(k) * b:flat(k) end
  return s
end

-- gradient and weights of the current point, as Lua arrays
local function grad_at (m, feeds)
  m:forward(feeds, true)
  m:backward()
  local w, gr = m:param("lin.weight"), m:grad("lin.weight")
  local W, G = {}, {}
  for k = 1, w:numel() do W[k], G[k] = w:flat(k), gr:flat(k) end
  return W, G
end

local function project (W, G, renorm)
  local gw, ww, gg = 0, 0, 0
  for k = 1, #W do gw, ww, gg = gw + G[k] * W[k], ww + W[k] ^ 2, gg + G[k] ^ 2 end
  local P, pp = {}, 0
  for k = 1, #W do P[k] = G[k] - gw / ww * W[k]; pp = pp + P[k] ^ 2 end
  if renorm then for k = 1, #W do P[k] = P[k] * math.sqrt(gg / pp) end end
  return P, math.abs(gw) / math.sqrt(ww * gg)
end

describe("luanet.optim.orthograd", function ()
  it("projects the gradient orthogonal to w and SGD steps along it", function ()
    local m, feeds = setup()
    local opt = ln.optim.orthograd(ln.optim.sgd(m, {lr = 0.1}))
    local W, G = grad_at(m, feeds)
    local P, cos = project(W, G)
    m:forward(feeds, true); m:backward(); opt:step()
    local g2, w2 = m:grad("lin.weight"), m:param("lin.weight")
    local wold = ln.tensor(W)
    assert.is_true(math.abs(dot(g2, wold)) < 1e-6 * math.sqrt(dot(wold, wold) * dot(g2, g2)) + 1e-9,
                   "projected gradient not orthogonal to w")
    for k = 1, #W do
      assert.near(W[k] - 0.1 * P[k], w2:flat(k), 1e-6)
      assert.near(P[k], g2:flat(k), 1e-6)
    end
    assert.near(cos, opt.ortho.cos, 1e-6)
    assert.is_true(cos > 1e-3)          -- there was something to remove
  end)

  it("renorm keeps the gradient's norm (the authors' code)", function ()
    local m, feeds = setup(5)
    local opt = ln.optim.sgd(m, {lr = 0.05, orthograd = {renorm = true}})
    local W, G = grad_at(m, feeds)
    local P = project(W, G, true)
    m:forward(feeds, true); m:backward(); opt:step()
    local w2 = m:param("lin.weight")
    local gg, pp = 0, 0
    for k = 1, #W do
      assert.near(W[k] - 0.05 * P[k], w2:flat(k), 1e-6)
      gg, pp = gg + G[k] ^ 2, pp + P[k] ^ 2
    end
    assert.near(gg, pp, 1e-6 * gg)
  end)

  it("wraps Adam: the first step is lr * g_perp / (|g_perp| + eps)", function ()
    local m, feeds = setup(7)
    local opt = ln.optim.adam(m, {lr = 0.01, orthograd = true})
    local W, G = grad_at(m, feeds)
    local P = project(W, G)
    m:forward(feeds, true); m:backward(); opt:step()
    local w2 = m:param("lin.weight")
    for k = 1, #W do
      assert.near(W[k] - 0.01 * P[k] / (math.abs(P[k]) + 1e-8), w2:flat(k), 1e-6)
    end
  end)

  it("without it the same step follows the raw gradient", function ()
    local m, feeds = setup(7)
    local opt = ln.optim.sgd(m, {lr = 0.1})
    local W, G = grad_at(m, feeds)
    m:forward(feeds, true); m:backward(); opt:step()
    for k = 1, #W do assert.near(W[k] - 0.1 * G[k], m:param("lin.weight"):flat(k), 1e-6) end
  end)

  it("rejects what is not an optimizer", function ()
    assert.error_matches(function () ln.optim.orthograd({}) end,
      "orthograd: first argument must be an optimizer", nil, true)
  end)
end)
