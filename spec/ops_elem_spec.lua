-- The elementwise ops of src/ops/elem.c beyond spec/ops_spec.lua's value
-- checks: eml, and alpha_dropout's statistics (SELU's dropout). Gradient
-- checks by central differences live in spec/cases/elem.lua.
local ln = require "luanet"

local LAMBDA, ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717

local near = require("spec.support.near")()
local R = require "spec.support.oprun"
local close, through_graph, run = R.close, R.through_graph, R.run

describe("elementwise ops", function ()
  describe("eml", function ()
    it("is exp(x) - ln(y): eml(0, 1) = 1, eml(1, e) = e - 1, dx = e^x, dy = -1/y", function ()
      local y, g = run("eml", {ln.tensor{0, 1, 2}, ln.tensor{1, math.exp(1), 4}})
      near(y, {1, math.exp(1) - 1, math.exp(2) - math.log(4)})
      near(g[1], {1, math.exp(1), math.exp(2)})
      near(g[2], {-1, -1 / math.exp(1), -0.25})
    end)
    it("stays finite at x = 80 and at x = -1e4, y = 1e-30", function ()
      near(ln.tensor{80, -1e4}:eml(ln.tensor{1, 1e-30}), {math.exp(80), 30 * math.log(10)}, 1e-5)
    end)
    it("refuses y <= 0 before running, with the index", function ()
      assert.error_matches(function () return ln.tensor{1, 2}:eml(ln.tensor{1, 0}) end,
        "eml: y (input 2) must be > 0, got 0 at index 2", nil, true)
      assert.error_matches(function () return ln.zeros{2}:eml(ln.ones{3}) end,
        "eml: x 2 and y 3 must have the same shape", nil, true)
    end)
  end)

  describe("alpha_dropout", function ()
    local function moments (t)
      return t:mean():item(), t:var():item()
    end

    it("is the identity at eval", function ()
      local x = ln.tensor{-2, 0.5, 3}
      close(x:alpha_dropout(0.3), x, 0, 0, "eval")
    end)

    for _, p in ipairs{0.05, 0.2, 0.5} do
      it(string.format("p = %g keeps mean 0 and variance 1 over 400000 samples", p), function ()
        ln.seed(11)
        local x = ln.randn(400000)
        local m0, v0 = moments(x)
        local y = x:alpha_dropout(p, {training = true})
        local m, v = moments(y)
        -- the input's own sampling error plus ~4 standard errors
        assert.is_true(math.abs(m - m0) < 0.01, string.format("mean %.4f (input %.4f)", m, m0))
        assert.is_true(math.abs(v - v0) < 0.02, string.format("variance %.4f (input %.4f)", v, v0))
        -- dropped units take a alpha' + b, kept ones a x + b, a fraction p dropped
        local q, ap = 1 - p, -LAMBDA * ALPHA
        local a = (q + ap * ap * q * (1 - q)) ^ -0.5
        local b = -a * (1 - q) * ap
        local dropped = 0
        for k = 1, 2000 do
          local xv, yv = x:flat(k), y:flat(k)
          if math.abs(yv - (a * ap + b)) < 1e-6 and math.abs(yv - (a * xv + b)) > 1e-4 then
            dropped = dropped + 1
          else
            close(yv, a * xv + b, 1e-5, 1e-6, "kept unit")
          end
        end
        assert.is_true(math.abs(dropped / 2000 - p) < 4 * math.sqrt(p * q / 2000) + 0.002,
          string.format("dropped %d of 2000 at p = %g", dropped, p))
        -- plain dropout does not: its variance grows to 1 / (1 - p)
        local _, vd = moments(x:dropout(p, {training = true}))
        assert.is_true(math.abs(vd - v0 / q) < 0.03 and (p < 0.1 or math.abs(vd - 1) > 0.1))
      end)
    end

    it("keeps SELU's fixed point: selu(N(0, 1)) has mean 0, var 1 before and after", function ()
      ln.seed(12)
      local h = ln.randn(400000):selu()
      local m, v = moments(h)
      assert.is_true(math.abs(m) < 0.01 and math.abs(v - 1) < 0.02, string.format("selu: %.4f %.4f", m, v))
      m, v = moments(h:alpha_dropout(0.1, {training = true}))
      assert.is_true(math.abs(m) < 0.01 and math.abs(v - 1) < 0.03, string.format("dropout: %.4f %.4f", m, v))
    end)

    it("backward in training is a times the keep mask", function ()
      ln.seed(5)
      local x = ln.randn(200)
      ln.seed(9)
      local y, gx = through_graph("alpha_dropout", x, nil, ln.ones{200}, {p = 0.25}, true)
      local a = (0.75 + (LAMBDA * ALPHA) ^ 2 * 0.75 * 0.25) ^ -0.5
      local dropped_value = a * (-LAMBDA * ALPHA) + (-a * 0.25 * (-LAMBDA * ALPHA))
      for k = 1, 200 do
        local kept = math.abs(y:flat(k) - dropped_value) > 1e-6
        close(gx:flat(k), kept and a or 0, 1e-6, 0, "dx")
      end
    end)
  end)
end)
