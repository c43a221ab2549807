-- The fixed activations (src/ops/act.c): values and gradients against
-- PyTorch (fixtures from spec/support/make_act_ref.py, computed in float64)
-- and against closed forms derived by hand, extreme inputs, SELU's
-- self-normalization at initialisation, fatrelu, the surrogate-gradient
-- ops, kwta and stablemax, the layers of luanet.nn, and error messages. Gradient
-- checks by central differences live in spec/cases/act.lua.
local ln = require "luanet"
local nn = ln.nn

local LAMBDA, ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717

-- {====== helpers ======

local D = require "spec.support.dmath"
local expm1, sig, softplus = D.expm1, D.sig, D.softplus

local R = require "spec.support.oprun"
local close, through_graph, run = R.close, R.through_graph, R.run
local near, all_finite = require("spec.support.near")()
local function sigmoid (v) return 1 / (1 + math.exp(-v)) end

-- }======

describe("activation ops", function ()

  describe("against PyTorch 1.13 (float64 references)", function ()
    local dir = "spec/fixtures/act/"
    local x, gy = ln.npy_load(dir .. "x.npy"), ln.npy_load(dir .. "gy.npy")
    -- fixture name -> op and attributes (see make_act_ref.py)
    local cases = {
      {"leaky_relu", "leaky_relu"}, {"leaky_relu_a0.2", "leaky_relu", {a = 0.2}},
      {"prelu", "prelu"}, {"prelu_shared", "prelu"}, {"relu6", "relu6"},
      {"hardtanh", "hardtanh"}, {"hardtanh_-2_3", "hardtanh", {lo = -2, hi = 3}},
      {"elu", "elu"}, {"elu_alpha0.5", "elu", {alpha = 0.5}}, {"celu", "celu"},
      {"celu_alpha2", "celu", {alpha = 2}}, {"selu", "selu"}, {"gelu", "gelu"},
      {"gelu_tanh", "gelu", {approximate = "tanh"}}, {"silu", "silu"},
      {"swish", "swish"}, {"swish_shared", "swish"}, {"mish", "mish"},
      {"softplus", "softplus"}, {"softplus_b2_t5", "softplus", {beta = 2, threshold = 5}},
      {"logsigmoid", "logsigmoid"}, {"softsign", "softsign"}, {"squared_relu", "squared_relu"},
    }
    for _, c in ipairs(cases) do
      local name, op, attrs = c[1], c[2], c[3]
      it(name .. ": forward within 1e-5, gradients within 1e-4 (relative)", function ()
        local wpath = dir .. "w_" .. name .. ".npy"
        local f = io.open(wpath, "rb")
        local w
        if f then f:close(); w = ln.npy_load(wpath) end
        local y, gx, gw = through_graph(op, x, w, gy, attrs)
        -- atol: PyTorch's own formulas lose everything below ~1e-15 in the
        -- far left tail of gelu (1 + erf, 1 + tanh cancel in float64)
        close(y, ln.npy_load(dir .. "y_" .. name .. ".npy"), 1e-5, 1e-7, name .. " y")
        close(gx, ln.npy_load(dir .. "gx_" .. name .. ".npy"), 1e-4, 1e-6, name .. " dx")
        if w then close(gw, ln.npy_load(dir .. "gw_" .. name .. ".npy"), 1e-4, 1e-5, name .. " dw") end
        -- the eager tensor method runs the same kernel
        local ey = w and x:eval(op, w, attrs or {}) or x:eval(op, attrs or {})
        close(ey, y, 0, 0, name .. " eager")
      end)
    end
  end)

  describe("values derived by hand", function ()
    -- {op, attrs, x, y, dy/dx}
    local phi1, Phi1 = math.exp(-0.5) / math.sqrt(2 * math.pi), 0.8413447460685429
    local u = math.sqrt(2 / math.pi) * (1 + 0.044715)
    local th = (math.exp(2 * u) - 1) / (math.exp(2 * u) + 1)
    local cases = {
      {"leaky_relu", nil, -2, -0.02, 0.01}, {"leaky_relu", {a = 0.2}, 3, 3, 1},
      {"leaky_relu", nil, 0, 0, 0.01},
      {"relu6", nil, 7, 6, 0}, {"relu6", nil, 2.5, 2.5, 1}, {"relu6", nil, -1, 0, 0},
      {"hardtanh", nil, -3, -1, 0}, {"hardtanh", {lo = -2, hi = 0.5}, -1.5, -1.5, 1},
      {"elu", nil, -1, math.exp(-1) - 1, math.exp(-1)},
      {"elu", {alpha = 0.5}, -2, 0.5 * (math.exp(-2) - 1), 0.5 * math.exp(-2)},
      {"elu", nil, 2, 2, 1},
      {"celu", {alpha = 2}, -1, 2 * (math.exp(-0.5) - 1), math.exp(-0.5)},
      {"selu", nil, 1, LAMBDA, LAMBDA},
      {"selu", nil, -1, LAMBDA * ALPHA * (math.exp(-1) - 1), LAMBDA * ALPHA * math.exp(-1)},
      {"gelu", nil, 1, Phi1, Phi1 + phi1},
      {"gelu", nil, -1, -(1 - Phi1), (1 - Phi1) - phi1},
      {"gelu", {approximate = "tanh"}, 1, 0.5 * (1 + th),
        0.5 * (1 + th) + 0.5 * (1 - th * th) * math.sqrt(2 / math.pi) * (1 + 3 * 0.044715)},
      {"silu", nil, 1, sig(1), sig(1) * (1 + 1 - sig(1))},
      {"mish", nil, 1, math.tanh(math.log(1 + math.exp(1))),
        math.tanh(math.log(1 + math.exp(1))) + (1 - math.tanh(math.log(1 + math.exp(1))) ^ 2) * sig(1)},
      {"softplus", nil, 0, math.log(2), 0.5},
      {"softplus", {beta = 2}, 1, math.log(1 + math.exp(2)) / 2, sig(2)},
      {"softplus", {beta = 2, threshold = 1}, 0.6, 0.6, 1},
      {"logsigmoid", nil, 0, -math.log(2), 0.5},
      {"softsign", nil, 3, 0.75, 1 / 16}, {"softsign", nil, -1, -0.5, 0.25},
      {"squared_relu", nil, 3, 9, 6}, {"squared_relu", nil, -3, 0, 0},
    }
    for _, c in ipairs(cases) do
      local op, attrs, xv, want, dwant = table.unpack(c)
      it(string.format("%s(%g%s) = %.6g, slope %.6g", op, xv,
          attrs and (", " .. next(attrs) .. "=" .. tostring(attrs[next(attrs)])) or "", want, dwant), function ()
        local y, gx = through_graph(op, ln.tensor{xv}, nil, ln.tensor{1}, attrs)
        close(y, want, 1e-6, 1e-7, op)
        close(gx, dwant, 1e-5, 1e-7, op .. " slope")
      end)
    end



    it("silu is swish with beta = 1; logsigmoid is -softplus(-x)", function ()
      local x = ln.tensor{-3, -0.5, 0.7, 4}
      close(x:silu(), x:swish(ln.tensor{1}), 1e-6, 0, "silu")
      close(x:logsigmoid(), -((-x):softplus()), 1e-6, 0, "logsigmoid")
    end)
  end)

  describe("extreme inputs (+-80, +-1e4): finite and right, forward and backward", function ()
    local xs = {-1e4, -80, 80, 1e4}
    local ref = {
      leaky_relu = function (x) return x > 0 and x or 0.01 * x, x > 0 and 1 or 0.01 end,
      relu6 = function (x) return math.min(math.max(x, 0), 6), 0 end,
      hardtanh = function (x) return math.min(math.max(x, -1), 1), 0 end,
      elu = function (x) return x > 0 and x or expm1(x), x > 0 and 1 or math.exp(x) end,
      celu = function (x) return x > 0 and x or expm1(x), x > 0 and 1 or math.exp(x) end,
      selu = function (x)
        return LAMBDA * (x > 0 and x or ALPHA * expm1(x)), LAMBDA * (x > 0 and 1 or ALPHA * math.exp(x))
      end,
      gelu = function (x) return x > 0 and x or 0, x > 0 and 1 or 0 end,   -- Phi(-80) < 1e-1000
      silu = function (x) return x * sig(x), sig(x) * (1 + x * sig(-x)) end,
      mish = function (x)
        local t = math.tanh(softplus(x))
        return x * t, t + x * (1 - t * t) * sig(x)
      end,
      softplus = function (x) return x > 20 and x or softplus(x), x > 20 and 1 or sig(x) end,
      logsigmoid = function (x) return -softplus(-x), sig(-x) end,
      softsign = function (x) return x / (1 + math.abs(x)), 1 / (1 + math.abs(x)) ^ 2 end,
      squared_relu = function (x) return x > 0 and x * x or 0, x > 0 and 2 * x or 0 end,
    }
    local names = {}
    for op in pairs(ref) do names[#names + 1] = op end
    table.sort(names)
    for _, op in ipairs(names) do
      it(op, function ()
        local y, gx = through_graph(op, ln.tensor(xs), nil, ln.ones{4})
        for k, xv in ipairs(xs) do
          local want, dwant = ref[op](xv)
          local a, d = y:flat(k), gx:flat(k)
          assert.is_true(a == a and math.abs(a) < math.huge and d == d and math.abs(d) < math.huge,
            string.format("%s(%g) = %g, slope %g: not finite", op, xv, a, d))
          close(a, want, 1e-5, 1e-37, string.format("%s(%g)", op, xv))
          close(d, dwant, 1e-5, 1e-37, string.format("%s'(%g)", op, xv))
        end
      end)
    end
    it("gelu (tanh), swish and prelu", function ()
      local y, gx = through_graph("gelu", ln.tensor(xs), nil, ln.ones{4}, {approximate = "tanh"})
      close(y, ln.tensor{0, 0, 80, 1e4}, 0, 1e-37, "gelu tanh")
      close(gx, ln.tensor{0, 0, 1, 1}, 0, 1e-37, "gelu tanh slope")
      local w
      y, gx, w = through_graph("swish", ln.tensor(xs), ln.tensor{1}, ln.ones{4})
      close(y, ln.tensor{0, -80 * sig(-80), 80, 1e4}, 1e-5, 1e-37, "swish")
      close(gx, ln.tensor{0, sig(-80) * (1 - 80 * sig(80)), 1, 1}, 1e-5, 1e-37, "swish slope")
      close(w, 2 * 6400 * sig(80) * sig(-80), 1e-5, 1e-37, "swish dbeta")
      y, gx, w = through_graph("prelu", ln.tensor(xs), ln.tensor{0.25}, ln.ones{4})
      close(y, ln.tensor{-2500, -20, 80, 1e4}, 0, 0, "prelu")
      close(w, -10080, 0, 0, "prelu dw")
    end)
  end)


  describe("SELU self-normalization at initialisation (32 layers, width 128)", function ()
    -- per-layer mean and variance of the activations for a batch of 512
    -- standard normal inputs, at eval (no dropout)
    local function stats (act, init, bias_init)
      ln.seed(2017)
      local g = ln.graph()
      local x = g:input("x", {"B", 128})
      local h, outs = x, {}
      for l = 1, 32 do
        h = nn.Linear(128, 128, {init = init, bias_init = bias_init})(h)
        h = h[act](h)
        if act == "selu" then h = h:alpha_dropout(0.05) end
        outs["h" .. string.format("%02d", l)] = h
      end
      local m = g:compile{outputs = outs, batch = 512}
      local out = m:forward({x = ln.randn(512, 128)}, false)
      local means, vars = {}, {}
      for l = 1, 32 do
        local t = out["h" .. string.format("%02d", l)]
        means[l], vars[l] = t:mean():item(), t:var():item()
      end
      return means, vars
    end

    it("SELU + lecun_normal: every layer's mean within +-0.1, variance within 0.8-1.2", function ()
      local means, vars = stats("selu", "lecun_normal", "zeros")
      for l = 1, 32 do
        assert.is_true(math.abs(means[l]) <= 0.1 and vars[l] >= 0.8 and vars[l] <= 1.2,
          string.format("layer %d: mean %.3f, variance %.3f", l, means[l], vars[l]))
      end
    end)

    it("ReLU without normalization does not keep them (default or He init)", function ()
      local _, vars = stats("relu", "torch_default")
      assert.is_true(vars[32] < 0.05, "default init: last variance " .. vars[32])
      local means = stats("relu", "kaiming_normal")
      local off = 0
      for l = 1, 32 do if math.abs(means[l]) > 0.1 then off = off + 1 end end
      assert.is_true(off == 32, off .. " of 32 He-initialised ReLU layers have |mean| > 0.1")
    end)
  end)


  describe("layers (luanet.nn)", function ()
    it("PReLU(channels, init) creates its slopes (0.25) and learns them", function ()
      local g = ln.graph()
      local x = g:input("x", {"B", 3, 2})
      local layer = nn.PReLU(3)
      local y = layer(x)
      assert.are.equal("PReLU(3, init 0.25)", tostring(layer))
      local m = g:compile{loss = (y * y):sum(), batch = 2}
      close(m:param("prelu1.weight"), ln.tensor{0.25, 0.25, 0.25}, 0, 0, "init")
      local xv = ln.tensor{{{-1, 1}, {2, -2}, {-3, 0.5}}, {{-1, -1}, {1, 1}, {1, -1}}}
      m:forward({x = xv})
      m:backward()
      -- d/dw sum((w x)^2) over x < 0 = 2 w x^2: channel 1: 2 .25 (1 + 1 + 1), ...
      close(m:grad("prelu1.weight"), ln.tensor{1.5, 2, 5}, 1e-6, 0, "dw")
      local opt = ln.optim.sgd(m, {lr = 0.1})
      opt:step()
      close(m:param("prelu1.weight"), ln.tensor{0.1, 0.05, -0.25}, 1e-6, 0, "after a step")
    end)

    it("Swish() has one learnable beta (init 1); Swish{channels = C, init = b} one per channel", function ()
      local g = ln.graph()
      local x = g:input("x", {"B", 4})
      local y = nn.Swish{channels = 4, init = 0.5}(nn.Swish()(x))
      local m = g:compile{outputs = {y = y}, batch = 1}
      close(m:param("swish1.beta"), ln.tensor{1}, 0, 0, "beta")
      close(m:param("swish2.beta"), ln.tensor{0.5, 0.5, 0.5, 0.5}, 0, 0, "beta per channel")
      local xv = ln.tensor{{-1, 0, 1, 2}}
      close(m:forward({x = xv}).y, xv:silu():swish(ln.full({4}, 0.5)), 1e-6, 0, "value")
      assert.error_matches(function () nn.PReLU(5)(ln.graph():input("x", {"B", 4})) end,
        "PReLU(5): input Bx4 has no dim 2 of 5 channels", nil, true)
    end)

    it("parameter-free layers build their op with PyTorch's argument order", function ()
      local g = ln.graph()
      local x = g:input("x", {"B", 3})
      local net = nn.Sequential(nn.LeakyReLU(0.2), nn.Hardtanh(-2, 2), nn.ELU(0.5), nn.CELU(2),
        nn.SELU(), nn.AlphaDropout(0.1), nn.GELU("tanh"), nn.SiLU(), nn.Mish(), nn.Softplus(2, 10),
        nn.LogSigmoid(), nn.Softsign(), nn.SquaredReLU(), nn.ReLU6())
      local y = net(x)
      local m = g:compile{outputs = {y = y}, batch = 2}
      local xv = ln.tensor{{-3, 0.5, 4}, {1, -1, 2}}
      local want = xv:leaky_relu(0.2):hardtanh(-2, 2):elu(0.5):celu(2):selu():gelu("tanh"):silu()
        :mish():softplus(2, 10):logsigmoid():softsign():squared_relu():relu6()
      close(m:forward({x = xv}, false).y, want, 1e-6, 0, "Sequential")
      assert.are.equal("GELU(approximate=tanh)", tostring(nn.GELU("tanh")))
      assert.error_matches(function () nn.AlphaDropout(1) end, "AlphaDropout: p must be in [0, 1)", nil, true)
    end)

    it("a model with prelu, swish, gelu (tanh) and alpha_dropout saves and loads", function ()
      ln.seed(6)
      local g = ln.graph()
      local x = g:input("x", {"B", 3, 4})
      local h = nn.Swish(3, 0.8)(nn.PReLU(3, 0.1)(x)):gelu{approximate = "tanh"}
      h = h:alpha_dropout{p = 0.1}:softplus{beta = 2, threshold = 4}:flatten()
      local m = g:compile{outputs = {y = h}, batch = 2}
      local xv = ln.randn(2, 3, 4)
      local want = m:forward({x = xv}, false).y:clone()
      local path = os.tmpname()
      m:save(path)
      local m2 = ln.load(path)
      os.remove(path)
      close(m2:forward({x = xv}, false).y, want, 0, 0, "loaded model")
      close(want, xv:prelu(ln.full({3}, 0.1)):swish(ln.full({3}, 0.8)):gelu("tanh")
        :softplus(2, 4):clone{2, 12}, 1e-6, 0, "eager")
    end)

    it("Linear takes init = 'lecun_normal' (std 1/sqrt(fan_in)) and bias_init = 'zeros'", function ()
      ln.seed(8)
      local g = ln.graph()
      local x = g:input("x", {"B", 400})
      local y = nn.Linear(400, 300, {init = "lecun_normal", bias_init = "zeros"})(x)
      local m = g:compile{outputs = {y = y}, batch = 1}
      local w, b = m:param("linear1.weight"), m:param("linear1.bias")
      assert.is_true(math.abs(w:mean():item()) < 0.002)
      close(w:var():item(), 1 / 400, 0.02, 0, "weight variance")
      close(b, ln.zeros{300}, 0, 0, "bias")
    end)
  end)

  describe("fatrelu", function ()
    it("keeps x >= T, zeroes the rest, gradient 1 where kept", function ()
      local y, g = run("fatrelu", {ln.tensor{-1, 0.2, 0.5, 3}}, {threshold = 0.5})
      near(y, {0, 0, 0.5, 3})
      near(g[1], {0, 0, 1, 1})
    end)
    it("is relu at T = 0 and rejects a negative threshold", function ()
      near(ln.tensor{-2, 0, 1e4}:fatrelu(), {0, 0, 1e4})
      assert.error_matches(function () return ln.zeros{2}:fatrelu{threshold = -1} end,
        "fatrelu: threshold -1 must be >= 0", nil, true)
    end)
  end)

  describe("straight-through and surrogate ops", function ()
    it("biper: sign(sin(omega x)) forward, omega cos(omega x) backward", function ()
      local y, g = run("biper", {ln.tensor{0.5, 4, -0.5, 0}}, {omega = 1})
      near(y, {1, -1, -1, 0})
      near(g[1], {math.cos(0.5), math.cos(4), math.cos(0.5), 1})
      local y2, g2 = run("biper", {ln.tensor{0.5}}, {omega = 3})
      near(y2, {1}); near(g2[1], {3 * math.cos(1.5)})
      assert.is_true(all_finite(ln.tensor{1e4, -1e4}:biper{omega = 2}))
    end)
    it("sign_ste: sign forward, identity backward, cut at |x| > 1 with clip", function ()
      local x = ln.tensor{-2, -0.5, 0, 0.3}
      local y, g = run("sign_ste", {x})
      near(y, {-1, -1, 0, 1}); near(g[1], {1, 1, 1, 1})
      local _, gc = run("sign_ste", {x}, {clip = true})
      near(gc[1], {0, 1, 1, 1})
    end)
    it("round_ste rounds half to even; step_ste is 1[x > 0]", function ()
      local y, g = run("round_ste", {ln.tensor{0.5, 1.5, 2.4, -0.6, 1e4}})
      near(y, {0, 2, 2, -1, 1e4}); near(g[1], {1, 1, 1, 1, 1})
      local y2, g2 = run("step_ste", {ln.tensor{-1, 0, 0.1, 3}}, {clip = true})
      near(y2, {0, 0, 1, 1}); near(g2[1], {1, 1, 1, 0})
    end)
    it("spike: H(x - 1) forward; fast sigmoid 5 / (1 + 5|x - 1|)^2 or sigmoid backward", function ()
      local y, g = run("spike", {ln.tensor{0.5, 1, 1.5, -1e4, 1e4}})
      near(y, {0, 0, 1, 0, 1})
      near(g[1], {5 / 12.25, 5, 5 / 12.25, 5 / (1 + 5 * 10001) ^ 2, 5 / (1 + 5 * 9999) ^ 2})
      local _, gs = run("spike", {ln.tensor{1, 2}}, {surrogate = "sigmoid", beta = 2})
      near(gs[1], {0.5, 2 * sigmoid(2) * (1 - sigmoid(2))})
    end)
  end)

  describe("kwta", function ()
    it("keeps the k largest per sample, gradient only through them", function ()
      local y, g = run("kwta", {ln.tensor{{3, 1, 3, 2}, {-1, 5, 0, 4}}}, {k = 3})
      near(y, {{3, 0, 3, 2}, {0, 5, 0, 4}})
      near(y:clone{2, 4}, {{3, 0, 3, 2}, {0, 5, 0, 4}})
      near(g[1], {{1, 0, 1, 1}, {0, 1, 1, 1}})
    end)
    it("breaks ties by lower index and takes k = round(frac D)", function ()
      near(ln.tensor{{1, 1, 1, 1}}:kwta{k = 2}, {{1, 1, 0, 0}})
      near(ln.tensor{{0.5, 2, 2, 1}}:kwta{frac = 0.5}, {{0, 2, 2, 0}})
      near(ln.tensor{{-1e4, 1e4, 0}}:kwta{k = 1}, {{0, 1e4, 0}})
    end)
    it("refuses k larger than the features", function ()
      assert.error_matches(function () return ln.zeros{2, 3}:kwta{k = 4} end,
        "kwta: k = 4 winners out of 3 features per sample of input 2x3", nil, true)
    end)
  end)

  describe("stablemax", function ()
    -- s(x) = x + 1 (x >= 0), 1 / (1 - x) (x < 0); y = s(x) / sum s(x)
    it("values and gradients by hand", function ()
      -- s = 0.5, 1, 2, 3; S = 6.5: y = 1/13, 2/13, 4/13, 6/13. L = y1:
      -- dL/dx_k = s'(x_k) / S (w_k - y1), s' = 1/4, 1, 1, 1
      local y, g = run("stablemax", {ln.tensor{-1, 0, 1, 2}}, nil,
                       {w = ln.tensor{1, 0, 0, 0}})
      near(y, {1 / 13, 2 / 13, 4 / 13, 6 / 13})
      near(g[1], {6 / 169, -2 / 169, -2 / 169, -2 / 169})
    end)
    it("along a chosen axis (1-based, positional)", function ()
      -- columns: s = (1, 0.5), (2, 1), (3, 4)
      near(ln.tensor{{0, 1, 2}, {-1, 0, 3}}:stablemax(1),
           {{2 / 3, 2 / 3, 3 / 7}, {1 / 3, 1 / 3, 4 / 7}})
      near(ln.tensor{{0, 1, 2}, {-1, 0, 3}}:stablemax{axis = -1},
           {{1 / 6, 2 / 6, 3 / 6}, {0.5 / 5.5, 1 / 5.5, 4 / 5.5}})
    end)
    it("agrees with stablemax_ce: -log y[label] is the loss", function ()
      local x = ln.tensor{{-2, 0.5, 3}, {1, -1, 0}}
      local y = x:stablemax()
      -- labels are class indices from 0, as in the data sets
      local l = x:stablemax_ce(ln.tensor({2, 0}, "int32"), {reduction = "none"})
      near(l, {-math.log(y:get(1, 3)), -math.log(y:get(2, 1))})
    end)
    it("extreme inputs: finite, right, no collapse to one-hot", function ()
      -- s = 10001, 1/10001, 1: the small entries stay positive (softmax
      -- rounds them to 0); 3e38 twice sums past float32 (in double here)
      local y, g = run("stablemax", {ln.tensor{1e4, -1e4, 0}}, nil,
                       {w = ln.tensor{1, -1, 0.5}})
      local S = 10001 + 1 / 10001 + 1
      near(y, {10001 / S, (1 / 10001) / S, 1 / S})
      -- the small entry relative to itself: near's tolerance is absolute there
      assert.is_true(math.abs(y:get(2) / ((1 / 10001) / S) - 1) < 1e-5, y:get(2))
      assert.is_true(all_finite(g[1]))
      near(ln.tensor{3e38, 3e38}:stablemax(), {0.5, 0.5})
      local nan = ln.tensor{0, 0 / 0}:stablemax()
      assert.is_true(nan:get(1) ~= nan:get(1) and nan:get(2) ~= nan:get(2))
    end)
    it("errors name the op, the argument and the shape", function ()
      assert.error_matches(function () return ln.zeros({2, 3}, "int32"):stablemax() end,
        "stablemax: input 1 must be float32, got int32", nil, true)
      assert.error_matches(function () return ln.zeros{2, 3}:stablemax(3) end,
        "stablemax: axis 2 out of range for 2x3", nil, true)
    end)
  end)

  describe("errors", function ()
    it("attributes out of range", function ()
      assert.error_matches(function () return ln.zeros{2}:hardtanh(1, -1) end,
        "hardtanh: lo 1 must not exceed hi -1", nil, true)
      assert.error_matches(function () return ln.zeros{2}:celu(0) end,
        "celu: alpha 0 must be positive", nil, true)
      assert.error_matches(function () return ln.zeros{2}:softplus(0) end,
        "softplus: beta 0 must be positive", nil, true)
      assert.error_matches(function () return ln.zeros{2}:alpha_dropout(1) end,
        "alpha_dropout: p 1 must be in [0, 1)", nil, true)
      assert.error_matches(function () return ln.zeros{2}:gelu("exact") end,
        "gelu: attribute 'approximate' cannot be 'exact'", nil, true)
      assert.error_matches(function () return ln.zeros({2}, "int32"):selu() end,
        "selu: input 1 must be float32, got int32", nil, true)
    end)
  end)
end)
