-- The normalisation ops beyond batch_norm: values by hand and against
-- PyTorch 1.13 fixtures (spec/support/make_normloss_ref.py), train / eval
-- behaviour, batch independence, extreme inputs, error messages. Gradient
-- checks by central differences are in spec/cases/norm.lua.
local ln = require "luanet"
local ref = require "spec.support.normloss_ref"

local near, finite = require("spec.support.near")()


local norm_ops = {layer_norm = true, rms_norm = true, group_norm = true, instance_norm = true,
                  evonorm_b0 = true, evonorm_s0 = true, film = true}

describe("normalisation ops", function ()
  describe("match PyTorch 1.13 (fixtures)", function ()
    for _, t in ipairs(ref.fixture_cases(norm_ops)) do it(t[1], t[2]) end
    it("evonorm_b0 training moves running_var towards the biased batch variance", function ()
      local c
      for _, cc in ipairs(ref.cases()) do if cc.name == "evonorm_b0_train" then c = cc end end
      local _, m, ins = ref.check(c)
      local rv = m.core:value(ins[5].id)
      assert.is_true(ref.rel_err(rv, ref.load(c, "rv")) < 1e-6)
    end)
  end)

  describe("layer_norm", function ()
    it("normalises [1, 2, 3] to [-1.2247, 0, 1.2247] and applies gamma, beta", function ()
      local s = math.sqrt(2 / 3 + 1e-5)
      near(ln.tensor{{1, 2, 3}}:layer_norm(), {{-1 / s, 0, 1 / s}})
      near(ln.tensor{{1, 2, 3}}:layer_norm(ln.tensor{2, 1, -1}, ln.tensor{0.5, 0, 1}),
           {{-2 / s + 0.5, 0, -1 / s + 1}})
    end)
    it("normalises over the last 'dims' dims", function ()
      local y = ln.tensor{{{1, 2}, {3, 4}}, {{0, 0}, {0, 8}}}:layer_norm({dims = 2})
      local s1 = math.sqrt(1.25 + 1e-5)
      near(y[1], {{-1.5 / s1, -0.5 / s1}, {0.5 / s1, 1.5 / s1}})
      local s2 = math.sqrt(12 + 1e-5)
      near(y[2], {{-2 / s2, -2 / s2}, {-2 / s2, 6 / s2}})
    end)
    it("stays exact at large offsets (1e4 + [0, 1, 2]) and large scales", function ()
      local s = math.sqrt(2 / 3 + 1e-5)
      near(ln.tensor{{1e4, 1e4 + 1, 1e4 + 2}}:layer_norm(), {{-1 / s, 0, 1 / s}}, 1e-4)
      near(ln.tensor{{-1e4, 0, 1e4}}:layer_norm(), {{-1.2247449, 0, 1.2247449}})
      near(ln.tensor{{5, 5, 5}}:layer_norm(), {{0, 0, 0}})
    end)
  end)

  describe("rms_norm", function ()
    it("divides [3, 4] by sqrt(12.5 + eps)", function ()
      local r = math.sqrt(12.5 + 1e-6)
      near(ln.tensor{{3, 4}}:rms_norm(), {{3 / r, 4 / r}})
      near(ln.tensor{{3, 4}}:rms_norm(ln.tensor{2, -1}), {{6 / r, -4 / r}})
    end)
    it("is finite and right at +-1e4 and at 0", function ()
      near(ln.tensor{{1e4, -1e4}}:rms_norm(), {{1, -1}})
      near(ln.tensor{{0, 0}}:rms_norm(), {{0, 0}})
    end)
  end)

  describe("group_norm and instance_norm", function ()
    it("group_norm with one group normalises each sample over (C, H, W)", function ()
      -- channels [1, 3] and [5, 7]: mean 4, var 5
      local y = ln.tensor{{{1, 3}, {5, 7}}}:group_norm({groups = 1})
      local s = math.sqrt(5 + 1e-5)
      near(y, {{{-3 / s, -1 / s}, {1 / s, 3 / s}}})
    end)
    it("groups = 0 picks 32, or the largest divisor of C below it", function ()
      local x = ln.randn(2, 12, 2, 2)
      near(x:group_norm(), x:group_norm({groups = 12}):totable())
      local x64 = ln.randn(1, 64, 2)
      near(x64:group_norm(), x64:group_norm({groups = 32}):totable())
    end)
    it("instance_norm is group_norm with one group per channel", function ()
      local x = ln.randn(2, 3, 4, 4)
      near(x:instance_norm(), x:group_norm({groups = 3}):totable())
    end)
    it("a constant input gives beta, not NaN", function ()
      local y = ln.full({1, 2, 3}, 1e4):instance_norm(ln.ones{2}, ln.tensor{0.5, -1})
      near(y, {{{0.5, 0.5, 0.5}, {-1, -1, -1}}})
    end)
  end)

  describe("evonorm_b0", function ()
    -- one sample, one channel, two positions [1, 3]: instance var 1
    local x = ln.tensor{{{1, 3}}}
    local one, zero = ln.ones{1}, ln.zeros{1}
    it("takes the batch branch x / sqrt(var + eps) when v1 x + s is smaller (eval)", function ()
      local rv = ln.tensor{4}
      local y = x:evonorm_b0(one, zero, zero, rv)     -- v1 = 0: b = 1.000005 < a = 2
      local a = math.sqrt(4 + 1e-5)
      near(y, {{{1 / a, 3 / a}}})
      near(rv, {4})                                   -- eval leaves running_var alone
    end)
    it("takes the instance branch x / (v1 x + s) where it is larger", function ()
      local y = x:evonorm_b0(one, zero, one, ln.tensor{0.25})
      local s = math.sqrt(1 + 1e-5)
      near(y, {{{1 / (1 + s), 3 / (3 + s)}}})
    end)
    it("uses batch statistics in training and moves running_var by momentum 0.1", function ()
      local rv = ln.tensor{1}
      local xb = ln.tensor{{{1, 3}}, {{5, 7}}}        -- batch var 5 (biased)
      local y = xb:evonorm_b0(one, zero, zero, rv, {training = true})
      local a = math.sqrt(5 + 1e-5)
      near(y, {{{1 / a, 3 / a}}, {{5 / a, 7 / a}}})
      near(rv, {0.9 * 1 + 0.1 * 5})
    end)
    it("is finite at +-1e4", function ()
      local xe = ln.tensor{{{1e4, -1e4, 0, 1}}, {{-1e4, 1e4, 3, 0}}}
      local y = xe:evonorm_b0(one, zero, one, ln.ones{1}, {training = true})
      assert.is_true(finite(y))
    end)
  end)

  describe("evonorm_s0", function ()
    it("x sigmoid(v1 x) / group std by hand", function ()
      local s = math.sqrt(1 + 1e-5)
      local sg = function (z) return 1 / (1 + math.exp(-z)) end
      near(ln.tensor{{{1, -1}}}:evonorm_s0(ln.ones{1}, ln.zeros{1}, ln.ones{1}),
           {{{sg(1) / s, -sg(-1) / s}}})
    end)
    it("is batch independent: a sample's output does not depend on the others", function ()
      local x = ln.randn(4, 8, 3, 3)
      local gam, bet, v = ln.randn(8), ln.randn(8), ln.randn(8)
      local all = x:evonorm_s0(gam, bet, v, {groups = 4})
      for i = 1, 4 do
        near(x:rows(i, 1):evonorm_s0(gam, bet, v, {groups = 4})[1], all[i]:totable())
      end
    end)
    it("is finite and right at +-1e4", function ()
      -- sigmoid(1e4) = 1, sigmoid(-1e4) = 0: y = [1e4, 0] / std([1e4, -1e4]) = [1, 0]
      near(ln.tensor{{{1e4, -1e4}}}:evonorm_s0(ln.ones{1}, ln.zeros{1}, ln.ones{1}), {{{1, 0}}})
    end)
  end)

  describe("film", function ()
    it("scales and shifts every channel of every sample", function ()
      local x = ln.tensor{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}
      near(x:film(ln.tensor{{1, 2}, {0, -1}}, ln.tensor{{0, 1}, {2, 0}}),
           {{{1, 2}, {7, 9}}, {{2, 2}, {-7, -8}}})
      near(x:film(ln.tensor{{2, 2}, {2, 2}}), {{{2, 4}, {6, 8}}, {{10, 12}, {14, 16}}})
    end)
  end)

  describe("errors", function ()
    local function err (f, msg) assert.error_matches(f, msg, nil, true) end
    it("name the op, the argument and the shapes", function ()
      err(function () return ln.zeros{2, 3}:layer_norm(ln.ones{4}) end,
          "layer_norm: gamma 4 does not fit input 2x3 (want float32 3)")
      err(function () return ln.zeros{2, 3}:layer_norm({dims = 3}) end,
          "layer_norm: dims 3 out of range for input 2x3 (1..2 trailing dims)")
      err(function () return ln.zeros{2, 3}:rms_norm(ln.ones{3}, ln.ones{3}) end,
          "rms_norm: expects 1 to 2 tensor inputs, got 3")
      err(function () return ln.zeros{2, 6, 3}:group_norm({groups = 4}) end,
          "group_norm: 4 groups do not divide the 6 channels of input 2x6x3")
      err(function () return ln.zeros{2, 6, 3}:group_norm(ln.ones{5}) end,
          "group_norm: gamma 5 does not fit input 2x6x3 (want float32 6)")
      err(function () return ln.zeros{2, 3}:instance_norm() end,
          "instance_norm: input 2x3 must be [N, C, H, W] or [N, C, *]")
      err(function ()
        return ln.zeros{2, 4, 3, 3}:evonorm_b0(ln.ones{4}, ln.ones{4}, ln.ones{3}, ln.ones{4})
      end, "evonorm_b0: v1 3 does not fit input 2x4x3x3 (want float32 [4])")
      err(function ()
        return ln.zeros{2, 6, 3}:evonorm_s0(ln.ones{6}, ln.ones{6}, ln.ones{6}, {groups = 4})
      end, "evonorm_s0: 4 groups do not divide the 6 channels of input 2x6x3")
      err(function () return ln.zeros{2, 3, 4}:film(ln.ones{3, 2}) end,
          "film: gamma 3x2 does not fit input 2x3x4 (want float32 [N, C] = [2, 3])")
    end)
  end)
end)
