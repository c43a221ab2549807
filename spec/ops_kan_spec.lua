-- The KAN family (src/ops/kan.c): values derived by hand, agreement with
-- PyTorch references (spec/support/make_kan_ref.py, float64 autograd of
-- the papers' formulas), extreme inputs and error messages.
local ln = require "luanet"

local function near (got, want, tol, what)
  tol = tol or 1e-5
  assert.is_true(got == got and math.abs(got - want) <= tol * math.max(1, math.abs(want)),
    string.format("%s: got %.8g, want %.8g", what or "value", got, want))
end

local function all_near (t, want, tol, what)
  assert.are.equal(#want, t:numel(), (what or "") .. ": element count")
  for k = 1, #want do near(t:flat(k), want[k], tol, (what or "") .. "[" .. k .. "]") end
end

local function errmsg (f)
  local ok, e = pcall(f)
  assert.is_false(ok, "expected an error")
  return tostring(e)
end

local T = ln.tensor

describe("KAN ops", function ()
  describe("agree with PyTorch (forward 1e-5, gradients 1e-4 relative)", function ()
    local dir = "spec/fixtures/kan/"
    local cases = {
      {"kan_bspline", 5}, {"kan_bspline_g7k2", 5, {grid = 7, order = 2, lo = -1.5, hi = 0.5}, "kan_bspline"},
      {"relu_kan", 4}, {"af_kan", 5},
      {"af_kan_tanh", 4, {act = "tanh", func = "sum_prod"}, "af_kan"},
      {"fourier_kan", 3}, {"tru_kan", 3}, {"rational_kan", 5}, {"s_kan", 4},
      {"quadratic", 3}, {"cosnet", 6},
    }
    for _, c in ipairs(cases) do
      local name, n_in, attrs, op = c[1], c[2], c[3] or {}, c[4] or c[1]
      it(name, function ()
        local ins = {}
        for k = 1, n_in do ins[k] = ln.npy_load(dir .. name .. ".in" .. k .. ".npy") end
        local args = {table.unpack(ins)}
        args[#args + 1] = attrs
        local y = ins[1]:eval(op, table.unpack(args, 2))
        local want = ln.npy_load(dir .. name .. ".y.npy")
        for k = 1, want:numel() do near(y:flat(k), want:flat(k), 1e-5, name .. " y[" .. k .. "]") end
        -- gradients of sum(y * w) through a graph
        local g = ln.graph()
        local nodes = {}
        for k = 1, n_in do
          nodes[k] = g:param("in" .. k, ins[k]:shape(), "zeros")
          g:value(nodes[k]):copy(ins[k])
        end
        local gargs = {table.unpack(nodes)}
        gargs[#gargs + 1] = attrs
        local out = g:op(op, table.unpack(gargs))
        local loss = (out * g:const(ln.npy_load(dir .. name .. ".w.npy"))):sum()
        local m = g:compile{loss = loss, batch = ins[1]:shape()[1]}
        m:forward(nil, true)
        m:backward()
        for k = 1, n_in do
          local gw = ln.npy_load(dir .. name .. ".grad" .. k .. ".npy")
          local got = m:grad("in" .. k)
          local scale = 0
          for e = 1, gw:numel() do scale = math.max(scale, math.abs(gw:flat(e))) end
          for e = 1, gw:numel() do
            assert.is_true(math.abs(got:flat(e) - gw:flat(e)) <= 1e-4 * math.max(1, scale),
              string.format("%s: d input %d [%d] = %.7g, PyTorch %.7g", name, k, e,
                            got:flat(e), gw:flat(e)))
          end
        end
      end)
    end
  end)

  describe("kan_bspline", function ()
    local x = T{{-0.2, 1}, {0.37, -0.91}}
    it("cubic B-splines at a knot are 1/6, 2/3, 1/6 and sum to 1 inside the grid", function ()
      -- grid 5 on [-1, 1]: h = 0.4, knots -1 + (m - 3) 0.4; x = -0.2 is knot m = 5
      local coef = ln.zeros{1, 1, 8}
      coef:set(1, 1, 1, 3)                   -- B_2 (1-based 3)
      local one = ln.ones{1, 1}
      local y = T{{-0.2}}:kan_bspline(coef, ln.zeros{1, 1}, one)
      near(y:item(), 1 / 6, 1e-6, "B_2(-0.2)")
      coef:set(0, 1, 1, 3); coef:set(1, 1, 1, 4)
      near(T{{-0.2}}:kan_bspline(coef, ln.zeros{1, 1}, one):item(), 2 / 3, 1e-6, "B_3(-0.2)")
      local y2 = x:kan_bspline(ln.ones{1, 2, 8}, ln.zeros{1, 2}, ln.full({1, 2}, 0.5))
      all_near(y2, {1, 1}, 1e-6, "partition of unity")
    end)
    it("adds w_b silu(x) and a bias; splines vanish beyond the extended knots", function ()
      local y = T{{1, 3}}:kan_bspline(ln.zeros{1, 2, 8}, T{{2, -1}}, ln.ones{1, 2}, T{0.5})
      near(y:item(), 2 * 0.7310585786 - 3 / (1 + math.exp(-3)) + 0.5, 1e-6)
      -- x = 3 is past the last knot 1 + 3 * 0.4 = 2.2: every B-spline is 0
      near(T{{3}}:kan_bspline(ln.ones{1, 1, 8}, ln.zeros{1, 1}, ln.ones{1, 1}):item(), 0, 1e-7)
    end)
    it("stays finite and exact at +-1e4 (silu linear / zero, splines zero)", function ()
      local y = T{{1e4}, {-1e4}}:kan_bspline(ln.ones{1, 1, 8}, ln.ones{1, 1}, ln.ones{1, 1})
      all_near(y, {1e4, 0}, 1e-6, "extremes")
    end)
    it("checks shapes with clear errors", function ()
      local e = errmsg(function () T{{1, 2}}:kan_bspline(ln.zeros{3, 2, 7}, ln.zeros{3, 2}, ln.zeros{3, 2}) end)
      assert.matches("kan_bspline: coef 3x2x7 does not fit input 1x2 and grid 5, order 3 (want [n_out, 2, 8])", e, 1, true)
      e = errmsg(function () T{{1, 2}}:kan_bspline(ln.zeros{3, 2, 8}, ln.zeros{3, 1}, ln.zeros{3, 2}) end)
      assert.matches("kan_bspline: w_base 3x1 does not fit coef 3x2x8 (want [3, 2])", e, 1, true)
      e = errmsg(function () T{{1, 2}}:kan_bspline(ln.zeros{3, 2, 8}, ln.zeros{3, 2}, ln.zeros{3, 2}, ln.zeros{2}) end)
      assert.matches("kan_bspline: bias 2 does not fit 3 outputs", e, 1, true)
      e = errmsg(function () T{{1}}:kan_bspline(ln.zeros{1, 1, 8}, ln.zeros{1, 1}, ln.zeros{1, 1}, {grid = 0}) end)
      assert.matches("kan_bspline: grid 0 must be an integer >= 1", e, 1, true)
    end)
  end)

  describe("relu_kan", function ()
    it("is 16 (a b)^2 / (e - s)^4: 1 at the centre of its interval, 0.5625 at a quarter", function ()
      local y = T{{0.5}, {0.25}, {1.5}}:relu_kan(ln.ones{1, 1, 1}, T{{{0}}, {{1}}})
      all_near(y, {1, 0.5625, 0}, 1e-6)
      -- the same bump on [0, 2] at its quarter point 0.5: 16 (0.5 * 1.5)^2 / 16
      near(T{{0.5}}:relu_kan(ln.ones{1, 1, 1}, T{{{0}}, {{2}}}):item(), 0.5625, 1e-6)
    end)
    it("is finite at +-1e4 and names the phase shape in its errors", function ()
      all_near(T{{1e4}, {-1e4}}:relu_kan(ln.ones{1, 1, 1}, T{{{0}}, {{1}}}), {0, 0})
      local e = errmsg(function () T{{1}}:relu_kan(ln.ones{1, 1, 2}, ln.zeros{2, 1, 3}) end)
      assert.matches("relu_kan: phase 2x1x3 does not fit coef 1x1x2 (want [2, 1, 2]", e, 1, true)
    end)
  end)

  describe("af_kan", function ()
    it("min-max normalises over the batch: one input, no norm gives silu(0) and silu(1)", function ()
      -- K = 1, phase [0, 1]: A(x) = (silu(x) silu(1 - x))^2; x = 0.5 is the max, x = 0 the min
      local ph, attn = T{{0}, {1}}, T{0.3, 0.1, 1}
      local y = T{{0}, {0.5}}:af_kan(ph, attn, T{{2}})
      all_near(y, {0, 2 * 0.7310585786}, 1e-6)
    end)
    it("is finite at +-1e4", function ()
      local y = T{{1e4, -1e4}, {0.5, 0.2}}:af_kan(T{{0, 0.5}, {1, 1.5}}, T{0.1, 0.2, 0, 1},
                                                 ln.ones{1, 2}, T{{1, 1}, {0, 0}})
      for k = 1, 2 do assert.is_true(y:flat(k) == y:flat(k) and math.abs(y:flat(k)) < 10) end
    end)
    it("checks the attention and norm shapes", function ()
      local e = errmsg(function () T{{1, 2}}:af_kan(ln.zeros{2, 3}, ln.zeros{4}, ln.zeros{1, 2}) end)
      assert.matches("af_kan: attn 4 does not fit phase 2x3 (want [5]", e, 1, true)
      e = errmsg(function () T{{1, 2}}:af_kan(ln.zeros{2, 3}, ln.zeros{5}, ln.zeros{1, 2}, ln.zeros{2, 3}) end)
      assert.matches("af_kan: norm 2x3 does not fit input 1x2 (want [2, 2]", e, 1, true)
    end)
  end)

  describe("fourier_kan and tru_kan", function ()
    it("fourier_kan sums a cos(kx) + b sin(kx)", function ()
      local c = ln.zeros{1, 1, 4}              -- F = 2: cos x, cos 2x, sin x, sin 2x
      c:set(1, 1, 1, 1); c:set(3, 1, 1, 4)
      near(T{{math.pi / 3}}:fourier_kan(c):item(), 0.5 + 3 * math.sin(2 * math.pi / 3), 1e-6)
      assert.is_true(math.abs(T{{1e4}}:fourier_kan(c):item()) < 4)
    end)
    it("tru_kan is a polynomial plus truncated powers at uniform knots", function ()
      -- degree 3, one knot at 0 (inside [-1, 1]): 1 + 2x + (x)_+^3
      local c = T{{{1, 2, 0, 0, 1}}}
      all_near(T{{0.5}, {-0.5}}:tru_kan(c), {2 + 0.125, 0}, 1e-6)
      local e = errmsg(function () T{{1}}:tru_kan(ln.zeros{1, 1, 3}) end)
      assert.matches("tru_kan: coef 1x1x3 must be [n_out, n_in, 4 + J]", e, 1, true)
      near(T{{1e4}}:tru_kan(c):item(), 1 + 2e4 + 1e12, 1e-6, "1e4")
    end)
  end)

  describe("rational_kan", function ()
    it("is (a0 + a1 x) / (1 + |b1 x|) per group, then the linear map", function ()
      local a, b = T{{1, 1}, {0, 1}}, T{{1}, {0}}
      -- channel 1 (group 1): (1 + x) / (1 + |x|); channel 2 (group 2): x
      local y = T{{2, 3}, {-2, 3}}:rational_kan(a, b, T{{1, 0}, {0, 1}})
      all_near(y, {1, 3, -1 / 3, 3}, 1e-6)
    end)
    it("stays finite at +-1e4 (x^5 / (1 + |x^4|) ~ x)", function ()
      local a, b = T{{0, 0, 0, 0, 0, 1}}, T{{0, 0, 0, 1}}
      all_near(T{{1e4}, {-1e4}}:rational_kan(a, b, T{{1}}), {1e4, -1e4}, 1e-6)
    end)
    it("needs groups that divide the inputs", function ()
      local e = errmsg(function () T{{1, 2, 3}}:rational_kan(ln.zeros{2, 6}, ln.zeros{2, 4}, ln.zeros{1, 3}) end)
      assert.matches("rational_kan: numerator 2x6 must be [groups, m + 1]", e, 1, true)
    end)
  end)

  describe("s_kan", function ()
    it("a saturated selector leaves one basis: B-splines sum to 1, Chebyshev T_1 = tanh", function ()
      local coef = ln.zeros{1, 1, 29}
      for m = 1, 8 do coef:set(1, 1, 1, m) end        -- B-spline block
      coef:set(1, 1, 1, 10)                            -- T_1 in the Chebyshev block
      local spline, chebyshev = T{{0, -1e4, -1e4, -1e4}}, T{{-1e4, 0, -1e4, -1e4}}
      near(T{{0.3}}:s_kan(coef, spline):item(), 1, 1e-6, "spline")
      near(T{{0.3}}:s_kan(coef, chebyshev):item(), math.tanh(0.3), 1e-6, "chebyshev")
      near(T{{0.3}}:s_kan(coef, ln.zeros{1, 4}):item(), (1 + math.tanh(0.3)) / 4, 1e-6, "uniform mix")
    end)
    it("checks theta's shape", function ()
      local e = errmsg(function () T{{1}}:s_kan(ln.zeros{2, 1, 29}, ln.zeros{2, 3}) end)
      assert.matches("s_kan: theta 2x3 does not fit coef 2x1x29 (want [2, 4]", e, 1, true)
    end)
  end)

  describe("quadratic and cosnet", function ()
    it("quadratic: (2*3 + 1)(3 - 1) + 0.5*9 + 0.25", function ()
      local y = T{{3}}:quadratic(T{{{2}}, {{1}}, {{0.5}}}, T{{1}, {-1}, {0.25}})
      near(y:item(), 18.75, 1e-6)
      near(T{{1e4}}:quadratic(T{{{1}}, {{1}}, {{0}}}):item(), 1e8, 1e-6, "1e4")
      local e = errmsg(function () T{{3, 4}}:quadratic(ln.zeros{2, 1, 2}) end)
      assert.matches("quadratic: weight 2x1x2 does not fit input 1x2 (want [3, n_out, 2]", e, 1, true)
    end)
    it("cosnet with unit frequencies, zero phases and M = I is cos(cos z)", function ()
      local one, zero = ln.ones{2}, ln.zeros{2}
      local y = T{{0, 1e4}}:cosnet(one, zero, T{{1, 0}, {0, 1}}, one, zero)
      all_near(y, {math.cos(1), math.cos(math.cos(1e4))}, 1e-5)
      local e = errmsg(function () T{{0, 1}}:cosnet(one, zero, ln.zeros{3, 3}, one, zero) end)
      assert.matches("cosnet: M 3x3 does not fit input 1x2", e, 1, true)
    end)
  end)
end)

describe("luanet.nn KAN and learnable-activation layers", function ()
  local nn = ln.nn

  -- a small regression set: f(x, y) = exp(sin(pi x) + y^2)
  local function data (n)
    ln.seed(3)
    local X = ln.rand{n, 2} * 2 - 1
    local Y = ln.zeros{n, 1}
    for i = 1, n do
      Y:set(math.exp(math.sin(math.pi * X:get(i, 1)) + X:get(i, 2) ^ 2), i, 1)
    end
    return X, Y
  end

  local function model (layers)
    local g = ln.graph()
    local x, y = g:input("x", {"B", 2}), g:input("y", {"B", 1})
    local out = x
    for _, l in ipairs(layers) do out = l(out) end
    return g:compile{loss = out:mse(y), outputs = {out = out}, batch = 64}
  end

  for _, v in ipairs{"bspline", "relu", "af", "fourier", "tru", "rational", "s"} do
    it("KAN variant " .. v .. ": shapes, parameter count, and it learns", function ()
      ln.seed(1)
      local l1 = nn.KAN(2, 4, {variant = v, norm = false})
      local l2 = nn.KAN(4, 1, {variant = v, norm = false})
      local m = model{l1, l2}
      assert.are.equal(l1:n_params() + l2:n_params(), m:n_params())
      local X, Y = data(64)
      local opt = ln.optim.adam(m, {lr = 1e-2})
      local first, last = m:forward({x = X, y = Y}).loss
      for _ = 1, 60 do last = m:step({x = X, y = Y}, opt) end
      assert.is_true(last < 0.5 * first, string.format("%s: loss %.4f -> %.4f", v, first, last))
      assert.are.same({64, 1}, m:output("out"):shape())
    end)
  end

  it("KAN prints its variant and options, and rejects bad ones", function ()
    assert.are.equal("KAN(2 -> 5, bspline, grid 5, order 3)", tostring(nn.KAN(2, 5)))
    assert.are.equal("KAN(4 -> 3, rational, 4 groups, init gelu)", tostring(nn.KAN(4, 3, {variant = "rational"})))
    assert.are.equal("KAN(3 -> 1, fourier, freq 6, no bias)", tostring(nn.KAN(3, 1, {variant = "fourier", freq = 6, bias = false})))
    assert.matches("KAN: unknown variant 'cheb'", errmsg(function () nn.KAN(2, 3, {variant = "cheb"}) end), 1, true)
    assert.matches("KAN: 3 groups do not divide 4 inputs",
                   errmsg(function () nn.KAN(4, 3, {variant = "rational", groups = 3}) end), 1, true)
    local g = ln.graph()
    assert.matches("KAN(3 -> 2, bspline, grid 5, order 3): input has 2 features (shape 2x2)",
                   errmsg(function () nn.KAN(3, 2)(g:input("x", {2, 2})) end), 1, true)
  end)

  it("the rational variant starts as GELU (KAT's init), or as the identity", function ()
    local g = ln.graph()
    local x = g:input("x", {"B", 2})
    local l = nn.KAN(2, 2, {variant = "rational", bias = false})
    local l0 = nn.KAN(2, 2, {variant = "rational", init = "identity", bias = false})
    local y, y0 = l(x), l0(x)
    local m = g:compile{outputs = {y = y, y0 = y0}, batch = 4}
    local X = ln.tensor{{-2, 1.5}, {-0.5, 0.3}, {0, 2.5}, {1, -1}}
    local out = m:forward({x = X})
    local W, W0 = m:param(l.names.weight), m:param(l0.names.weight)
    local function erf (z)   -- its Maclaurin series, ample for |z| < 2
      local t, sum, k = z, z, 0
      repeat k = k + 1; t = -t * z * z / k; sum = sum + t / (2 * k + 1) until math.abs(t) < 1e-14
      return 2 / math.sqrt(math.pi) * sum
    end
    for r = 1, 4 do
      for j = 1, 2 do
        local s, s0 = 0, 0
        for i = 1, 2 do
          local v = X:get(r, i)
          s = s + W:get(j, i) * v * 0.5 * (1 + erf(v / math.sqrt(2)))
          s0 = s0 + W0:get(j, i) * v
        end
        near(out.y:get(r, j), s, 2e-3, "gelu fit")
        near(out.y0:get(r, j), s0, 1e-6, "identity")
      end
    end
  end)

  it("S-KAN select() keeps each node's argmax basis and selection() reports the mix", function ()
    ln.seed(2)
    local l = nn.KAN(2, 3, {variant = "s"})
    local m = model{l, nn.KAN(3, 1, {variant = "s"})}
    local th = m:param(l.names.theta)
    th:set(2, 1, 3)                          -- node 1 prefers rbf
    th:set(1, 2, 4); th:set(0.5, 2, 1)       -- node 2 prefers fourier
    local mix = l:selection(m)
    assert.is_true(mix[1].rbf > mix[1].bspline and mix[2].fourier > mix[2].bspline)
    local X = ln.rand{8, 2}
    local kept = l:select(m)
    assert.are.same({"rbf", "fourier", "bspline"}, kept)
    for j, name in ipairs(kept) do near(l:selection(m)[j][name], 1, 1e-7, "one-hot") end
    -- the kept layer equals the single basis: compare with s_kan on that block only
    local coef, b = m:param(l.names.coef), m:param(l.names.bias)
    local y = X:s_kan(coef, m:param(l.names.theta), b)
    local only = ln.zeros{3, 4}
    for j = 1, 3 do
      local q = ({bspline = 1, chebyshev = 2, rbf = 3, fourier = 4})[kept[j]]
      only:set(10, j, q)
    end
    local y2 = X:s_kan(coef, only, b)           -- softmax of 10 vs 0: not exact, so
    for k = 1, y:numel() do near(y:flat(k), y2:flat(k), 1e-3) end   -- the others are zero
  end)

  it("Quadratic starts as a linear layer and prints its shape", function ()
    ln.seed(4)
    local g = ln.graph()
    local x = g:input("x", {"B", 3})
    local q = nn.Quadratic(3, 2)
    local y0 = q(x)
    local wn, bn = q.weight:name(), q.bias_node:name()
    local m = g:compile{outputs = {y = y0}, batch = 5}
    local X = ln.rand{5, 3}
    local W, B = m:param(wn), m:param(bn)
    local y = m:forward({x = X}).y
    for r = 1, 5 do
      for j = 1, 2 do
        local s = B:get(1, j)
        for i = 1, 3 do s = s + W:get(1, j, i) * X:get(r, i) end
        near(y:get(r, j), s, 1e-5)
      end
    end
    assert.are.equal("Quadratic(3 -> 2)", tostring(q))
    assert.are.equal(3 * 2 * 3 + 3 * 2, q:n_params())
  end)

  it("CosNet starts near sin(sin(z) M); NobleLinear starts as its linear layer", function ()
    ln.seed(5)
    local g = ln.graph()
    local z = g:input("z", {"B", 4})
    local c = nn.CosNet(4)
    local nl = nn.NobleLinear(4, 3, {rank = 2})
    local cz, nz = c(z), nl(z)
    local mn, wn, bn = c.mix:name(), nl.linear.weight:name(), nl.linear.bias_node:name()
    local m = g:compile{outputs = {c = cz, n = nz}, batch = 3}
    local Z = ln.rand{3, 4} - 0.5
    local out = m:forward({z = Z})
    local M = m:param(mn)
    for r = 1, 3 do
      for j = 1, 4 do
        local s = 0
        for i = 1, 4 do s = s + math.sin(Z:get(r, i)) * M:get(i, j) end
        near(out.c:get(r, j), math.sin(s), 1e-5, "cosnet")
      end
    end
    local lin = Z:linear(m:param(wn), m:param(bn))
    for k = 1, lin:numel() do near(out.n:flat(k), lin:flat(k), 1e-6, "noble") end
    assert.are.equal("NobleLinear(4 -> 3, rank 2, cosnet)", tostring(nl))
    assert.are.equal("CosNet(4)", tostring(c))
    assert.are.equal(4 * 3 + 3 + 2 * (4 + 3) + 2 * 2 + 4 * 2, nl:n_params())
  end)

  it("AugmentedShortcut adds x, f(x) and sigma(x Theta_i)", function ()
    ln.seed(6)
    local g = ln.graph()
    local x = g:input("x", {"B", 3})
    local f = nn.Linear(3, 3)
    local a = nn.AugmentedShortcut(f, 3, {n = 2, activation = "tanh"})
    local ya = a(x)
    local wn, bn = f.weight:name(), f.bias_node:name()
    local m = g:compile{outputs = {y = ya}, batch = 2}
    local X = ln.rand{2, 3}
    local y = m:forward({x = X}).y
    local want = X + X:linear(m:param(wn), m:param(bn))
    for i = 1, 2 do
      want = want + X:linear(m:param("augshort1." .. i .. ".weight")):tanh()
    end
    for k = 1, 6 do near(y:flat(k), want:flat(k), 1e-6) end
    assert.are.equal("AugmentedShortcut(3, 2 shortcuts, tanh, f = Linear(3 -> 3))", tostring(a))
    assert.are.equal(2 * 9 + 12, a:n_params())
    assert.matches("AugmentedShortcut: f must be a layer", errmsg(function () nn.AugmentedShortcut(3, 3) end), 1, true)
  end)
end)

describe("examples/papers/kan.lua", function ()
  it("prints --help and a table of RMSE and parameters #slow", function ()
    local h = assert(io.popen("./luanet examples/papers/kan.lua --help"))
    local help = h:read("a")
    h:close()
    assert.matches("usage: luanet examples/papers/kan.lua", help, 1, true)
    local p = assert(io.popen("./luanet examples/papers/kan.lua --tasks xy --models mlp,bspline,s " ..
                              "--steps 600 --select_steps 50 --out /tmp/luanet-kan-spec 2>&1"))
    local out = p:read("a")
    p:close()
    local mlp = tonumber(out:match("\nmlp%s+| (%S+)"))
    local kan = tonumber(out:match("\nbspline%s+| (%S+)"))
    assert.is_truthy(out:match("\ns kept%s+| %S+ %(%d+%)"), out)
    assert.is_true(mlp and kan and kan < 2e-2, out)
  end)
end)
