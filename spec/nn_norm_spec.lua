-- luanet.nn layers of the normalisation section: LayerNorm, RMSNorm,
-- GroupNorm, InstanceNorm, EvoNormB0, EvoNormS0, FiLM; the Soft-InfoNCE
-- weight estimator (luanet.losses); the Self-supervised Label Augmentation
-- helper (luanet.augment.JointLabel: joint labels, rotations, aggregated
-- inference), both also reachable under their former names in luanet.nn.
local ln = require "luanet"
local nn = ln.nn

local function near (a, b, tol)
  assert.is_true(math.abs(a - b) <= (tol or 1e-5) * math.max(1, math.abs(b)),
                 string.format("got %.7g, want %.7g", a, b))
end

local function params_of (m)
  local names = {}
  for name in pairs(m:params()) do names[#names + 1] = name end
  table.sort(names)
  return names
end

describe("luanet.nn normalisation layers", function ()
  it("create PyTorch-like parameters: gamma ones, beta zeros, v1 ones, running_var ones", function ()
    local g = ln.graph()
    local x = g:input("x", {"B", 8, 4, 4})
    local h = nn.EvoNormB0(8, {name = "b0"})(x)
    h = nn.EvoNormS0(8, {name = "s0"})(h)
    h = nn.GroupNorm(4, 8, {name = "gn"})(h)
    h = nn.InstanceNorm(8, {name = "in", affine = true})(h)
    h = nn.LayerNorm({4, 4}, {name = "ln"})(h)
    h = nn.RMSNorm(4, {name = "rms"})(h)
    local m = g:compile{outputs = {y = h}, batch = 2}
    assert.are.same({"b0.bias", "b0.v1", "b0.weight", "gn.bias", "gn.weight", "in.bias", "in.weight",
                     "ln.bias", "ln.weight", "rms.weight", "s0.bias", "s0.v1", "s0.weight"}, params_of(m))
    for name, t in pairs(m:params()) do
      local want = (name:match("bias$")) and 0 or 1
      for k = 1, t:numel() do assert.are.equal(want, t:flat(k)) end
    end
    assert.are.same({4, 4}, m:param("ln.weight"):shape())
  end)

  it("without affine parameters add none", function ()
    local g = ln.graph()
    local x = g:input("x", {"B", 6, 3})
    local h = nn.InstanceNorm(6)(nn.GroupNorm(3, 6, {affine = false})(x))
    h = nn.RMSNorm(3, {affine = false})(nn.LayerNorm(3, {affine = false})(h))
    local m = g:compile{outputs = {y = h}, batch = 2}
    assert.are.same({}, params_of(m))
  end)

  it("EvoNormS0 picks 32 groups or the largest divisor below; GroupNorm checks divisibility", function ()
    assert.are.equal(32, nn.EvoNormS0(64).groups)
    assert.are.equal(24, nn.EvoNormS0(24).groups)
    assert.are.equal(5, nn.EvoNormS0(10, {groups = 5}).groups)
    assert.error_matches(function () nn.GroupNorm(4, 6) end, "GroupNorm: 4 groups do not divide 6 channels",
                         nil, true)
    assert.are.equal("EvoNormS0(24, groups 24)", tostring(nn.EvoNormS0(24)))
    assert.are.equal("LayerNorm(3x4)", tostring(nn.LayerNorm({3, 4})))
  end)

  it("EvoNormB0 uses batch statistics in training and running_var at eval", function ()
    ln.seed(4)
    local g = ln.graph()
    local x = g:input("x", {"B", 2, 3, 3})
    local layer = nn.EvoNormB0(2, {name = "b0"})
    local y = layer(x)
    local m = g:compile{outputs = {y = y}, batch = 4}
    local xb = ln.randn(4, 2, 3, 3) * 3
    local train = m:forward({x = xb}, true).y:clone()
    local rv = m.core:value(layer.running_var.id)
    assert.is_true(rv:flat(1) ~= 1)                     -- moved by training
    local eval = m:forward({x = xb}, false).y
    local differs = false
    for k = 1, eval:numel() do differs = differs or math.abs(eval:flat(k) - train:flat(k)) > 1e-4 end
    assert.is_true(differs)
  end)

  it("FiLM maps z to per-sample, per-channel gamma and beta", function ()
    local g = ln.graph()
    local x = g:input("x", {"B", 3, 2, 2})
    local z = g:input("z", {"B", 5})
    local f = nn.FiLM(5, 3, {name = "film"})
    local y = f(x, z)
    local m = g:compile{outputs = {y = y}, batch = 2}
    assert.are.same({"film.beta.bias", "film.beta.weight", "film.gamma.bias", "film.gamma.weight"}, params_of(m))
    -- with zero weights: gamma = 1 (its bias), beta = its bias
    m:param("film.gamma.weight"):fill(0)
    m:param("film.beta.weight"):fill(0)
    m:param("film.beta.bias"):copy(ln.tensor{1, 2, 3})
    local xb = ln.randn(2, 3, 2, 2)
    local out = m:forward({x = xb, z = ln.randn(2, 5)}).y
    for k = 1, 24 do near(out:flat(k), xb:flat(k) + ((k - 1) // 4) % 3 + 1) end
  end)
end)

describe("luanet.losses.soft_infonce_weights", function ()
  it("follows the authors' formula: max(0.1, (beta - alpha p) / (beta - alpha / (N - 1)))", function ()
    local sim = ln.tensor{{9, 1, 2}, {0, 9, 3}, {5, 5, 9}}
    local w = ln.losses.soft_infonce_weights(sim, {alpha = 0.5, beta = 1, t = 2})
    for i = 1, 3 do
      local z, p = {}, {}
      local s = 0
      for j = 1, 3 do if j ~= i then z[j] = math.exp(sim:get(i, j) / 2); s = s + z[j] end end
      for j = 1, 3 do
        if j == i then near(w:get(i, j), 1)
        else near(w:get(i, j), math.max(0.1, (1 - 0.5 * z[j] / s) / (1 - 0.5 / 2))) end
      end
    end
  end)
  it("gives InfoNCE weights (all 1) at alpha = 0, and works on graph nodes", function ()
    local w = ln.losses.soft_infonce_weights(ln.randn(4, 4), {alpha = 0})
    for k = 1, 16 do near(w:flat(k), 1) end
    local sim = ln.randn(4, 4)
    local g = ln.graph()
    local s = g:input("s", {4, 4})
    local m = g:compile{outputs = {w = ln.losses.soft_infonce_weights(s, {alpha = 2, beta = 3})}, batch = 1}
    local got = m:forward({s = sim}).w
    local want = ln.losses.soft_infonce_weights(sim, {alpha = 2, beta = 3})
    for k = 1, 16 do near(got:flat(k), want:flat(k)) end
  end)
end)

describe("luanet.augment.JointLabel (Self-supervised Label Augmentation)", function ()
  local sla = ln.augment.JointLabel(3, 4)
  it("is reachable under its former name, as is soft_infonce_weights", function ()
    assert.are.equal(ln.augment.JointLabel, nn.JointLabel)
    assert.are.equal(ln.losses.soft_infonce_weights, nn.soft_infonce_weights)
    assert.are.equal(require("luanet.augment").JointLabel, require("luanet.nn").JointLabel)
  end)
  it("rotates images by quarter turns, the rotations of a sample together", function ()
    local x = ln.arange(0.0, 7):clone{2, 1, 2, 2}
    local a = sla:augment(x)
    assert.are.same({2, 4, 1, 2, 2}, a:shape())
    assert.are.same({{0, 1, 2, 3}, {1, 3, 0, 2}, {3, 2, 1, 0}, {2, 0, 3, 1},   -- sample 1, r = 0..3
                     {4, 5, 6, 7}, {5, 7, 4, 6}, {7, 6, 5, 4}, {6, 4, 7, 5}},  -- r = 1: torch.rot90
                    a:clone{8, 4}:totable())
  end)
  it("makes joint labels y m + r", function ()
    assert.are.same({{8, 9, 10, 11}, {0, 1, 2, 3}}, sla:labels(ln.tensor({2, 0}, "int32")):totable())
  end)
  it("aggregates the class logits over the rotations before the softmax", function ()
    local lg = ln.randn(8, 12)
    local agg = sla:aggregate(lg)
    assert.are.same({2, 3}, agg:shape())
    for b = 0, 1 do
      for y = 0, 2 do
        local s = 0
        for r = 0, 3 do s = s + lg:get(b * 4 + r + 1, y * 4 + r + 1) end
        near(agg:get(b + 1, y + 1), s / 4)
        near(sla:single(lg):get(b + 1, y + 1), lg:get(b * 4 + 1, y * 4 + 1))
      end
    end
  end)
  it("builds on a graph: fold, loss over joint labels, aggregated output", function ()
    ln.seed(2)
    local g = ln.graph()
    local x = g:input("x", {"B", 4, 1, 4, 4})
    local yj = g:input("yj", {"B", 4}, "int32")
    local logits = nn.Linear(16, 12, {name = "head"})(sla:fold(x):flatten(2))
    local m = g:compile{loss = sla:loss(logits, yj), outputs = {logits = logits, agg = sla:aggregate(logits)},
                        batch = 4}
    local xb, yb = ln.randn(2, 1, 4, 4), ln.tensor({1, 2}, "int32")
    local out = m:forward({x = sla:augment(xb), yj = sla:labels(yb)}, false)
    local want = sla:aggregate(out.logits)
    for k = 1, 6 do near(out.agg:flat(k), want:flat(k)) end
    near(out.loss, out.logits:cross_entropy(sla:labels(yb):clone{8}):item())
  end)
end)
