-- The activations with learnable parameters (src/ops/actlearn.c): values
-- and gradients derived by hand (or from the formula in plain Lua), extreme
-- inputs, train/eval behaviour and error messages. Gradient checks by
-- central differences live in spec/cases/actlearn.lua.
local ln = require "luanet"

local near, all_finite = require("spec.support.near")()
local R = require "spec.support.oprun"
local close, through_graph, run = R.close, R.through_graph, R.run
local sig = require("spec.support.dmath").sig

local function sigmoid (v) return 1 / (1 + math.exp(-v)) end
-- erf by its Maclaurin series (enough for the |x| < 3 used here)
local function erf (x)
  local s, term = 0, x
  for n = 0, 200 do
    if n > 0 then term = term * (-x * x) / n end
    s = s + term / (2 * n + 1)
    if math.abs(term) < 1e-17 then break end
  end
  return 2 / math.sqrt(math.pi) * s
end
local function gelu (v) return 0.5 * v * (1 + erf(v / math.sqrt(2))) end

describe("actlearn ops", function ()
  describe("prelu and swish", function ()
    it("prelu: per-channel slopes along dim 2, dw sums x over the rest", function ()
      local x = ln.tensor{{{-1, 2}, {3, -4}}, {{-0.5, 1}, {-2, -2}}}     -- 2 x 2 x 2
      local w = ln.tensor{0.5, 0.25}
      local y, gx, gw = through_graph("prelu", x, w, ln.ones{2, 2, 2})
      close(y, ln.tensor{{{-0.5, 2}, {3, -1}}, {{-0.25, 1}, {-0.5, -0.5}}}, 0, 0, "prelu")
      close(gx, ln.tensor{{{0.5, 1}, {1, 0.25}}, {{0.5, 1}, {0.25, 0.25}}}, 0, 0, "prelu dx")
      close(gw, ln.tensor{-1.5, -8}, 0, 0, "prelu dw")    -- channel 1: -1 - 0.5; channel 2: -4 - 2 - 2
    end)

    it("swish: x sigmoid(beta x) with beta per channel; dbeta = x^2 s (1 - s)", function ()
      local x = ln.tensor{{2, -1}, {0.5, 3}}
      local y, gx, gb = through_graph("swish", x, ln.tensor{0.5, -2}, ln.ones{2, 2})
      local function s (z) return sig(z) end
      close(y, ln.tensor{{2 * s(1), -s(2)}, {0.5 * s(0.25), 3 * s(-6)}}, 1e-6, 0, "swish")
      close(gx, ln.tensor{{s(1) + 1 * s(1) * (1 - s(1)), s(2) + 2 * s(2) * (1 - s(2))},
                          {s(0.25) + 0.25 * s(0.25) * (1 - s(0.25)), s(-6) - 6 * s(-6) * (1 - s(-6))}},
            1e-5, 0, "swish dx")
      close(gb, ln.tensor{4 * s(1) * (1 - s(1)) + 0.25 * s(0.25) * (1 - s(0.25)),
                          s(2) * (1 - s(2)) + 9 * s(-6) * (1 - s(-6))}, 1e-5, 0, "swish dbeta")
    end)

    it("prelu and swish name the weight and input shapes", function ()
      assert.error_matches(function () return ln.zeros{2, 3}:prelu(ln.zeros{5}) end,
        "prelu: weight 5 does not fit input 2x3", nil, true)
      assert.error_matches(function () return ln.zeros{4}:swish(ln.zeros{4}) end,
        "swish: weight 4 does not fit input 4", nil, true)
      assert.error_matches(function () return ln.zeros{2, 3}:prelu(ln.zeros{3, 1}) end,
        "prelu: weight 3x1 does not fit input 2x3", nil, true)
      assert.error_matches(function () return ln.zeros{2, 3}:prelu(ln.zeros({3}, "int32")) end,
        "prelu: weight (input 2) must be float32", nil, true)
    end)
  end)

  describe("reductions of the parameter gradients", function ()
    it("prelu and swish weight gradients do not depend on the thread count", function ()
      ln.seed(4)
      local x, gy = ln.randn(64, 8, 96), ln.randn(64, 8, 96)   -- above LN_PAR_MIN
      local w = ln.rand(8)
      local saved = ln.threads()
      local r = {}
      for _, n in ipairs{1, 2} do
        ln.threads(n)
        local _, gx1, gw1 = through_graph("prelu", x, w, gy)
        local _, gx2, gw2 = through_graph("swish", x, w, gy)
        r[n] = {gx1, gw1, gx2, gw2}
      end
      ln.threads(saved)
      for k = 1, 4 do close(r[2][k], r[1][k], 0, 0, "thread-independent") end
    end)
  end)

  describe("poly_relu", function ()
    it("is sum_i w_i relu(x)^i + b, with the PolyCom init 1/3", function ()
      local third = ln.full({3}, 1 / 3)
      near(ln.tensor{{-1, 0.5, 2}}:poly_relu(third, ln.zeros{1}), {{0, 0.875 / 3, 14 / 3}})
    end)
    it("has dx = sum i w_i relu^(i-1), dw_i = relu^i, db = 1 (x = 2, w = 1, 2, 3)", function ()
      local y, g = run("poly_relu", {ln.tensor{2}, ln.tensor{1, 2, 3}, ln.tensor{0.5}})
      near(y, {2 + 8 + 24 + 0.5})
      near(g[1], {1 + 2 * 2 * 2 + 3 * 3 * 4})
      near(g[2], {2, 4, 8})
      near(g[3], {1})
    end)
    it("is b with zero gradient for x <= 0, and finite at +-1e4", function ()
      local y, g = run("poly_relu", {ln.tensor{-1e4, 1e4}, ln.full({3}, 1 / 3), ln.tensor{0.25}})
      near(y, {0.25, (1e4 + 1e8 + 1e12) / 3}, 1e-6)
      near(g[1]:flat(1), 0)
      assert.is_true(all_finite(y) and all_finite(g[1]))
    end)
  end)

  describe("poly_norm", function ()
    local function ref (row, w, b, eps)
      local out = {}
      for j = 1, #row do out[j] = b end
      for i = 1, #w do
        local ss = 0
        for j = 1, #row do ss = ss + (row[j] ^ i) ^ 2 end
        local k = 1 / math.sqrt(ss / #row + eps)
        for j = 1, #row do out[j] = out[j] + w[i] * row[j] ^ i * k end
      end
      return out
    end
    it("normalises each power over the last dim: [3, 4] with w = 1 is [3, 4] / sqrt(12.5)", function ()
      near(ln.tensor{{3, 4}}:poly_norm(ln.tensor{1, 0, 0}, ln.zeros{1}),
           {{3 / math.sqrt(12.5 + 1e-6), 4 / math.sqrt(12.5 + 1e-6)}})
    end)
    it("matches the formula row by row with w = 1/3 and a bias", function ()
      local rows = {{3, 4, -1}, {0.5, -2, 1.5}}
      local want = {ref(rows[1], {1 / 3, 1 / 3, 1 / 3}, 0.2, 1e-6), ref(rows[2], {1 / 3, 1 / 3, 1 / 3}, 0.2, 1e-6)}
      near(ln.tensor(rows):poly_norm(ln.full({3}, 1 / 3), ln.tensor{0.2}), want)
    end)
    it("gives b on a row of zeros (eps guards the norm) and stays finite at +-1e4", function ()
      near(ln.zeros{1, 3}:poly_norm(ln.full({3}, 1 / 3), ln.tensor{0.5}), {{0.5, 0.5, 0.5}})
      local row = {1e4, -1e4, 5e3}
      local y, g = run("poly_norm", {ln.tensor{row}, ln.full({3}, 1 / 3), ln.zeros{1}})
      near(y, {ref(row, {1 / 3, 1 / 3, 1 / 3}, 0, 1e-6)}, 1e-5)
      assert.is_true(all_finite(g[1]) and all_finite(g[2]))
    end)
    it("has dw_i = sum norm(x^i) and db = numel", function ()
      local _, g = run("poly_norm", {ln.tensor{{3, 4}}, ln.full({2}, 0.5), ln.zeros{1}})
      local k1, k2 = 1 / math.sqrt(12.5 + 1e-6), 1 / math.sqrt((81 + 256) / 2 + 1e-6)
      near(g[2], {7 * k1, 25 * k2})
      near(g[3], {2})
    end)
  end)

  describe("clipped_relu", function ()
    local x = ln.tensor{{-1, 0.5, 3}, {2, 0.2, -0.1}}
    it("neuron-wise: min(max(0, x), T) with dT = 1 where relu(x) > T", function ()
      local y, g = run("clipped_relu", {x, ln.tensor{1, 1, 2}})
      near(y, {{0, 0.5, 2}, {1, 0.2, 0}})
      near(g[1], {{0, 1, 0}, {0, 1, 0}})
      near(g[2], {1, 0, 1})
    end)
    it("layer-wise: one threshold for all, dT counts the clipped elements", function ()
      local y, g = run("clipped_relu", {x, ln.tensor{1}})
      near(y, {{0, 0.5, 1}, {1, 0.2, 0}})
      near(g[2], {2})
    end)
    it("stays right at +-1e4 and names the shapes on a bad threshold", function ()
      near(ln.tensor{-1e4, 1e4}:clipped_relu(ln.tensor{6}), {0, 6})
      assert.error_matches(function () return ln.zeros{2, 3}:clipped_relu(ln.zeros{2}) end,
        "clipped_relu: threshold 2 does not fit input 2x3", nil, true)
    end)
  end)

  describe("dice", function ()
    local x = ln.tensor{{1}, {2}, {3}}
    it("uses batch statistics in training: p = sigmoid(z), y = x (alpha + (1 - alpha) p)", function ()
      local z = 1 / math.sqrt(2 / 3 + 1e-8)
      local rm, rv = ln.zeros{1}, ln.ones{1}
      local y = x:dice(ln.tensor{0.5}, rm, rv, {training = true})
      local want = {}
      for i, v in ipairs{1, 2, 3} do
        local p = sigmoid((v - 2) * z)
        want[i] = {v * (0.5 + 0.5 * p)}
      end
      near(y, want)
      near(rm, {0.2})           -- 0.9 * 0 + 0.1 * 2
      near(rv, {1})             -- 0.9 * 1 + 0.1 * (unbiased var 1)
    end)
    it("uses the running statistics at eval and leaves them", function ()
      local rm, rv = ln.tensor{1}, ln.tensor{4}
      local y = x:dice(ln.tensor{0}, rm, rv)
      near(y, {{1 * sigmoid(0)}, {2 * sigmoid(1 / math.sqrt(4 + 1e-8))}, {3 * sigmoid(2 / math.sqrt(4 + 1e-8))}})
      near(rm, {1}); near(rv, {4})
    end)
    it("has dalpha = sum x (1 - p)", function ()
      local _, g = run("dice", {x, ln.tensor{0.3}, ln.tensor{2}, ln.tensor{2 / 3 - 1e-8}})
      local s = 0
      for _, v in ipairs{1, 2, 3} do s = s + v * (1 - sigmoid((v - 2) / math.sqrt(2 / 3))) end
      near(g[2], {s}, 1e-4)
    end)
    it("stays finite at +-1e4 and checks the channel count", function ()
      -- eval with running stats 0 and 1: z = +-1e4, p = 1 and 0
      near(ln.tensor{{1e4}, {-1e4}}:dice(ln.tensor{0.1}, ln.zeros{1}, ln.ones{1}), {{1e4}, {-1e3}}, 1e-4)
      -- training: z = +-1 whatever the scale
      local y, g = run("dice", {ln.tensor{{1e4}, {-1e4}}, ln.tensor{0.1}, ln.zeros{1}, ln.ones{1}},
                       nil, {training = true})
      near(y, {{1e4 * (0.1 + 0.9 * sigmoid(1))}, {-1e4 * (0.1 + 0.9 * sigmoid(-1))}}, 1e-4)
      assert.is_true(all_finite(g[1]) and all_finite(g[2]))
      assert.error_matches(function ()
        return ln.zeros{2, 3}:dice(ln.zeros{2}, ln.zeros{3}, ln.ones{3})
      end, "dice: alpha 2 does not fit input 2x3 (3 channels)", nil, true)
    end)
  end)

  describe("ash", function ()
    local x = ln.tensor{{1, 2, 3, 4}}
    local s = math.sqrt(1.25 + 1e-8)
    it("with k = 0.5 (z = 0) is x sigmoid(a (x - mean))", function ()
      near(x:ash(ln.tensor{1}, {k = 0.5}), {{sigmoid(-1.5), 2 * sigmoid(-0.5), 3 * sigmoid(0.5), 4 * sigmoid(1.5)}})
    end)
    it("with k = 0.1 uses z = Phi^-1(0.9) = 1.2815516, same as z given as an input", function ()
      local z = 1.2815515655446004
      local want = {}
      for j, v in ipairs{1, 2, 3, 4} do want[j] = v * sigmoid(2 * (v - 2.5 - z * s)) end
      near(x:ash(ln.tensor{2}), {want})
      near(x:ash(ln.tensor{2}, ln.tensor{z}), {want})
    end)
    it("has da = sum g x s'(u) (x - mu - z s) and dz = -a s sum g x s'(u)", function ()
      local _, g = run("ash", {x, ln.tensor{1.5}, ln.tensor{0.3}})
      local da, dz = 0, 0
      for _, v in ipairs{1, 2, 3, 4} do
        local inner = v - 2.5 - 0.3 * s
        local sg = sigmoid(1.5 * inner)
        da = da + v * sg * (1 - sg) * inner
        dz = dz - 1.5 * s * v * sg * (1 - sg)
      end
      near(g[2], {da}, 1e-4)
      near(g[3], {dz}, 1e-4)
    end)
    it("stays finite at +-1e4 and on a constant sample", function ()
      local y, g = run("ash", {ln.tensor{{1e4, -1e4, 0, 5}}, ln.tensor{1}})
      assert.is_true(all_finite(y) and all_finite(g[1]) and all_finite(g[2]))
      near(y:flat(1), 1e4)
      local y2, g2 = run("ash", {ln.full({1, 4}, 3), ln.tensor{1}})
      assert.is_true(all_finite(y2) and all_finite(g2[1]))
    end)
    it("rejects k outside (0, 1) and a non-scalar a", function ()
      assert.error_matches(function () return x:ash(ln.tensor{1}, {k = 1}) end,
        "ash: k 1 must be in (0, 1)", nil, true)
      assert.error_matches(function () return x:ash(ln.tensor{1, 2}) end,
        "ash: a 2 must have one element", nil, true)
    end)
  end)

  describe("rbf and rbf_kernel", function ()
    it("rbf is exp(-(x - c)^2 / (2 sigma^2)) with dc = y (x - c) / sigma^2", function ()
      local y, g = run("rbf", {ln.tensor{0, 1, 2}, ln.tensor{1}, ln.tensor{1}})
      local e = math.exp(-0.5)
      near(y, {e, 1, e})
      near(g[1], {e, 0, -e})
      near(g[2], {0})
      near(g[3], {2 * e})      -- sum y (x - c)^2 / sigma^3
    end)
    it("rbf_kernel: distances to each centre, width per centre", function ()
      local y = ln.tensor{{0, 0}, {3, 4}}:rbf_kernel(ln.tensor{{0, 0}, {3, 4}}, ln.tensor{1, 5})
      near(y, {{1, math.exp(-0.5)}, {math.exp(-12.5), 1}})
      local y2, g = run("rbf_kernel", {ln.tensor{{1, 0}}, ln.tensor{{0, 0}}, ln.tensor{1}})
      near(y2, {{math.exp(-0.5)}})
      near(g[1], {{-math.exp(-0.5), 0}})
      near(g[3], {math.exp(-0.5)})
    end)
    it("underflow to 0 far away, never NaN, and a zero width is refused", function ()
      near(ln.tensor{1e4}:rbf(ln.tensor{0}, ln.tensor{1}), {0})
      assert.error_matches(function () return ln.tensor{1}:rbf(ln.tensor{0}, ln.tensor{0}) end,
        "rbf: width 0 at index 1 (widths must be finite and nonzero)", nil, true)
      assert.error_matches(function ()
        return ln.zeros{2, 3}:rbf_kernel(ln.zeros{4, 2}, ln.ones{4})
      end, "rbf_kernel: input 2x3 and centres 4x2 do not fit", nil, true)
    end)
  end)

  describe("tau_gate", function ()
    local x = ln.tensor{{1, 0.2, -3}}
    it("relu: g relu(x - tau), dtau = -g where open, dg = relu(x - tau)", function ()
      local y, g = run("tau_gate", {x, ln.tensor{0.5}, ln.tensor{2}})
      near(y, {{1, 0, 0}})
      near(g[1], {{2, 0, 0}}); near(g[2], {-2}); near(g[3], {0.5})
    end)
    it("sigmoid: g x sigmoid((x - tau) / temperature); hard: g x 1[x > tau]", function ()
      near(x:tau_gate(ln.tensor{0.5}, ln.tensor{2}, {mode = "sigmoid", temperature = 0.25}),
           {{2 * sigmoid(2), 0.4 * sigmoid(-1.2), -6 * sigmoid(-14)}})
      near(x:tau_gate(ln.tensor{0.5}, ln.tensor{2}, {mode = "hard"}), {{2, 0, 0}})
      assert.is_true(all_finite(ln.tensor{1e4, -1e4}:tau_gate(ln.zeros{1}, ln.ones{1}, {mode = "sigmoid"})))
    end)
    it("names the argument whose shape does not fit", function ()
      assert.error_matches(function () return ln.zeros{2, 3}:tau_gate(ln.zeros{3}, ln.zeros{4}) end,
        "tau_gate: gain 4 does not fit input 2x3", nil, true)
    end)
  end)

  describe("series_informed", function ()
    it("is sum a_i GELU(x + b_i) with the erf GELU", function ()
      near(ln.tensor{1, -1}:series_informed(ln.tensor{1}, ln.tensor{0}), {gelu(1), gelu(-1)})
      near(ln.tensor{0}:series_informed(ln.tensor{0.5, 0.5}, ln.tensor{-1, 1}), {0.5 * (gelu(-1) + gelu(1))})
    end)
    it("has da_i = GELU(x + b_i) summed and is x / 0 at +-1e4", function ()
      local _, g = run("series_informed", {ln.tensor{0.5, 2}, ln.tensor{0.25, 0.75}, ln.tensor{-0.5, 0.5}})
      near(g[2], {gelu(0) + gelu(1.5), gelu(1) + gelu(2.5)}, 1e-5)
      near(ln.tensor{1e4, -1e4}:series_informed(ln.tensor{1}, ln.tensor{0}), {1e4, 0})
    end)
    it("needs a and b of the same length", function ()
      assert.error_matches(function () return ln.zeros{3}:series_informed(ln.zeros{4}, ln.zeros{3}) end,
        "series_informed: a 4 and b 3 must have the same length", nil, true)
    end)
  end)

  describe("soft_threshold_lif", function ()
    -- the UltraLIF recurrence in plain Lua
    local function lif (xs, eps, theta, beta)
      local v, out = 0, {}
      for t, x in ipairs(xs) do
        local a = v + math.log(beta)
        local m = math.max(a, x)
        local u = m + eps * math.log(math.exp((a - m) / eps) + math.exp((x - m) / eps))
        local s = sigmoid((u - theta) / eps)
        out[t] = s
        v = u * (1 - s)
      end
      return out
    end
    it("follows u = eps lse(v + log beta, x), s = sigmoid((u - theta)/eps), v = u (1 - s)", function ()
      local want = lif({0.5, 2, 2}, 1, 1, 0.9)
      near(ln.tensor{{{0.5}, {2}, {2}}}:soft_threshold_lif(ln.tensor{1}), {{{want[1]}, {want[2]}, {want[3]}}})
      local a, b = lif({0.3, -0.2}, 0.5, 0.5, 0.8), lif({1.5, 0.1}, 2, 0.5, 0.8)
      near(ln.tensor{{{0.3, 1.5}, {-0.2, 0.1}}}:soft_threshold_lif(ln.tensor{0.5, 2}, {theta = 0.5, beta = 0.8}),
           {{{a[1], b[1]}, {a[2], b[2]}}})
    end)
    it("approaches the hard threshold as eps -> 0", function ()
      local y = ln.tensor{{{2}, {0.5}}}:soft_threshold_lif(ln.tensor{0.02})
      assert.is_true(y:flat(1) > 0.999 and y:flat(2) < 1e-6)
    end)
    it("stays finite at +-1e4 (values and gradients)", function ()
      local y, g = run("soft_threshold_lif", {ln.tensor{{{1e4}, {-1e4}, {1e4}}}, ln.tensor{0.5}})
      assert.is_true(all_finite(y) and all_finite(g[1]) and all_finite(g[2]))
      near(y:flat(1), 1)
    end)
    it("refuses eps <= 0 and a input without a time dim", function ()
      assert.error_matches(function () return ln.zeros{1, 2, 3}:soft_threshold_lif(ln.tensor{0}) end,
        "soft_threshold_lif: eps must be positive, got 0 at index 1", nil, true)
      assert.error_matches(function () return ln.zeros{2, 3}:soft_threshold_lif(ln.tensor{1}) end,
        "soft_threshold_lif: input 2x3 must be [B, T, features...]", nil, true)
    end)
  end)

end)

describe("luanet.nn paper layers", function ()
  local function model_with (layer, shape)
    local g = ln.graph()
    local x = g:input("x", shape)
    local y = layer(x)
    local shape = y.shape
    return g:compile{outputs = {y = y}, batch = 4}, shape
  end

  it("PolyReLU and PolyNorm start at w = 1/3, b = 0 and compute the op", function ()
    local m = model_with(ln.nn.PolyReLU(), {"B", 3})
    near(m:param("polyrelu1.weight"), {1 / 3, 1 / 3, 1 / 3})
    near(m:param("polyrelu1.bias"), {0})
    near(m:forward({x = ln.tensor{{-1, 0.5, 2}}}).y, {{0, 0.875 / 3, 14 / 3}})
    local m2 = model_with(ln.nn.PolyNorm(2), {"B", 3})
    near(m2:param("polynorm1.weight"), {0.5, 0.5})
    assert.are.equal("PolyNorm(order=2)", tostring(ln.nn.PolyNorm(2)))
  end)

  it("ClippedReLU calibrates T to the max activation, per neuron or per layer", function ()
    local x = ln.tensor{{0.5, -1, 3}, {2, -2, 1}}
    local layer = ln.nn.ClippedReLU()
    local m = model_with(layer, {"B", 3})
    near(m:param("clippedrelu1.threshold"), {6, 6, 6})
    near(layer:calibrate(m, {x = x}), {2, 0, 3})
    near(m:forward({x = ln.tensor{{5, 5, 5}}}).y, {{2, 0, 3}})
    local lw = ln.nn.ClippedReLU{mode = "layer"}
    local m2 = model_with(lw, {"B", 3})
    near(lw:calibrate(m2, x), {3})
    assert.error_matches(function () ln.nn.ClippedReLU{mode = "channel"} end,
      "ClippedReLU: mode must be 'neuron' or 'layer'", nil, true)
  end)

  it("ASH starts with a = 1 and z = Phi^-1(1 - k); Gating with tau = 0, g = 1", function ()
    local m = model_with(ln.nn.ASH{k = 0.1}, {"B", 4})
    near(m:param("ash1.a"), {1})
    near(m:param("ash1.z"), {1.2815515655446004}, 1e-6)
    near(ln.nn.probit(0.975), 1.959963984540054, 1e-8)
    local m2 = model_with(ln.nn.Gating(), {"B", 3})
    near(m2:param("gate1.tau"), {0, 0, 0})
    near(m2:param("gate1.gain"), {1, 1, 1})
    near(m2:forward({x = ln.tensor{{-1, 0.5, 2}}}).y, {{0, 0.5, 2}})
  end)

  it("SeriesInformed starts at a = 1/n, b spread over [-1, 1]", function ()
    local m = model_with(ln.nn.SeriesInformed(4), {"B", 2})
    near(m:param("series1.a"), {0.25, 0.25, 0.25, 0.25})
    near(m:param("series1.b"), {-1, -1 / 3, 1 / 3, 1})
  end)

  it("Dice has alpha = 0 and running statistics 0 and 1", function ()
    local m = model_with(ln.nn.Dice(3), {"B", 3})
    near(m:param("dice1.alpha"), {0, 0, 0})
    local out = m:forward({x = ln.tensor{{0, 1, 2}}}, false).y
    near(out, {{0, 1 * sigmoid(1 / math.sqrt(1 + 1e-8)), 2 * sigmoid(2 / math.sqrt(1 + 1e-8))}})
  end)

  it("RBF: centres [K, n_in], widths 1, an optional linear head", function ()
    local m, shape = model_with(ln.nn.RBF(3, 5, 2), {"B", 3})
    assert.are.equal(2, shape[2])
    near(m:param("rbf1.widths"), {1, 1, 1, 1, 1})
    assert.are.same({5, 3}, m:param("rbf1.centres"):shape())
    local _, shape2 = model_with(ln.nn.RBF(3, 5), {"B", 3})
    assert.are.equal(5, shape2[2])
    assert.error_matches(function () model_with(ln.nn.RBF(4, 5), {"B", 3}) end,
      "RBF(4 -> 5): input has 3 features", nil, true)
  end)

  it("SoftThresholdLIF keeps eps as clamp(exp(log_eps), 0.1, 20), one or per neuron", function ()
    local m = model_with(ln.nn.SoftThresholdLIF(), {"B", 3, 2})
    near(m:param("lif1.log_eps"), {0})
    local m2 = model_with(ln.nn.SoftThresholdLIF{per_neuron = true, eps = 0.5}, {"B", 3, 2})
    near(m2:param("lif1.log_eps"), {math.log(0.5), math.log(0.5)})
    local s = m2:forward({x = ln.tensor{{{2, 0.5}, {2, 0.5}, {2, 0.5}}}}).y
    -- t = 1: u = 0.5 lse(log 0.9 / 0.5, x / 0.5), s = sigmoid((u - 1) / 0.5)
    local function s1 (x)
      local a = math.log(0.9)
      local m = math.max(a, x)
      local u = m + 0.5 * math.log(math.exp((a - m) / 0.5) + math.exp((x - m) / 0.5))
      return sigmoid((u - 1) / 0.5)
    end
    near(s:flat(1), s1(2))
    near(s:flat(2), s1(0.5))
  end)

  it("a small model of these layers trains (loss falls)", function ()
    ln.seed(3)
    local g = ln.graph()
    local x = g:input("x", {"B", 2})
    local y = g:input("y", {"B"}, "int32")
    local h = ln.nn.PolyReLU()(ln.nn.Linear(2, 8)(x))
    h = ln.nn.SeriesInformed()(ln.nn.Linear(8, 8)(h))
    local loss = ln.nn.Linear(8, 2)(h):cross_entropy(y)
    local m = g:compile{loss = loss, batch = 4}
    local opt = ln.optim.adam(m, {lr = 0.05})
    local feeds = {x = ln.tensor{{0, 0}, {0, 1}, {1, 0}, {1, 1}}, y = ln.tensor({0, 1, 1, 0}, "int32")}
    local first = m:step(feeds, opt)
    local last
    for _ = 1, 150 do last = m:step(feeds, opt) end
    assert.is_true(last < 0.1 * first, string.format("loss %g -> %g", first, last))
  end)
end)

describe("luanet.optim.prosparse_schedule", function ()
  it("rises along sine curves stage by stage (values by hand)", function ()
    local s = ln.optim.prosparse_schedule{stages = {10, 20}, targets = {1, 3}}
    near(s:value(0), 0)
    near(s:value(5), math.sin(math.pi / 4))          -- 0.7071
    near(s:value(10), 1)
    near(s:value(15), 1 + 2 * math.sin(math.pi / 4)) -- 2.4142
    near(s:value(20), 3)
    near(s:value(1000), 3)
    local s2 = ln.optim.prosparse_schedule{stages = {100}, targets = {1.5}, start = 0.5}
    near(s2:value(50), 0.5 + math.sin(math.pi / 4))
    near(s2:value(100 / 3), 0.5 + 0.5)              -- sin(pi/6) = 1/2
  end)

  it("steps and writes lambda into the model's buffer", function ()
    local g = ln.graph()
    local a = g:input("a", {"B", 2})
    local sc = g:buffer("l1.scale", {1}, 0)
    local loss = a:activation_l1(sc, {lambda = 2})
    local m = g:compile{loss = loss, batch = 1}
    local s = ln.optim.prosparse_schedule{stages = {2}, targets = {1}}:attach(m, "l1.scale")
    near(m:forward({a = ln.tensor{{1, -3}}}).loss, 0)
    near(s:step(), math.sin(math.pi / 4))
    near(m:forward({a = ln.tensor{{1, -3}}}).loss, 2 * math.sin(math.pi / 4) * 2)
    s:step()
    near(m:forward({a = ln.tensor{{1, -3}}}).loss, 4)
  end)

  it("rejects stages that do not increase and mismatched targets", function ()
    assert.error_matches(function () ln.optim.prosparse_schedule{stages = {10, 5}, targets = {1, 2}} end,
      "prosparse_schedule: stage ends must increase from 0, got 5 at stage 2", nil, true)
    assert.error_matches(function () ln.optim.prosparse_schedule{stages = {10}, targets = {1, 2}} end,
      "prosparse_schedule: 1 stages but 2 targets", nil, true)
  end)
end)
