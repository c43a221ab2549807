-- luanet.nn.base: the declarative layers with parameters (base.layer), the
-- build preamble, and the module that gathers the family files.
local ln = require "luanet"
local base = require "luanet.nn.base"

-- a layer declared as the family files declare theirs: scale * x + shift
-- over the features, an optional shift, a buffer, attributes from fields
local Affine = base.layer{
  name = "Affine", prefix = "affine", op = "group_norm",
  args = {{"channels", "num_channels"}},
  opts = {eps = 1e-3, groups = 1},
  check = function (self, opt)
    self.shift = opt.shift ~= false
    if self.channels % self.groups ~= 0 then error("Affine: groups must divide the channels", 3) end
  end,
  params = {{"gamma", "weight", "channels", "const", function (s) return 1 / s.channels end},
            {"beta", "bias", "channels", "zeros", when = "shift"}},
  attrs = {"groups", "eps"},
  tostring = function (l) return string.format("Affine(%d)", l.channels) end,
}

describe("luanet.nn.base", function ()
  describe("layer", function ()
    it("makes a constructor from a declaration: arguments, options, check", function ()
      local l = Affine(4, {eps = 1e-4})
      assert.are.equal(4, l.channels)
      assert.are.equal(1e-4, l.eps)
      assert.are.equal(1, l.groups)
      assert.is_true(l.shift)
      assert.are.equal("Affine(4)", tostring(l))
      assert.is_false(Affine(4, {shift = false}).shift)
    end)

    it("names the constructor and argument in its errors, blaming the caller", function ()
      -- (no tail calls here: a tail call leaves no frame to blame)
      local ok, e = pcall(function () local l = Affine(0); return l end)
      assert.is_false(ok)
      assert.truthy(e:find("nn_base_spec.lua:%d+: Affine: num_channels must be a positive integer, got 0"))
      ok, e = pcall(function () local l = Affine(3, {groups = 2}); return l end)
      assert.truthy(e:find("nn_base_spec.lua:%d+: Affine: groups must divide the channels"))
    end)

    it("builds its parameters in order, named and initialised, and applies its op", function ()
      local g = ln.graph()
      local x = g:input("x", {"B", 4, 3})
      local a, b = Affine(4), Affine(4, {shift = false, name = "plain"})
      local y = b(a(x))
      assert.are.same({2, 4, 3}, y.shape)
      assert.are.equal("affine1.weight", g:node(a.gamma.id).name)
      assert.are.equal("affine1.bias", g:node(a.beta.id).name)
      assert.are.equal("plain.weight", g:node(b.gamma.id).name)
      assert.is_nil(b.beta)
      assert.are.equal(0.25, g:value(a.gamma):flat(3))
      assert.are.equal(0, g:value(a.beta):flat(1))
      -- group_norm with gamma 1/4: each sample normalised, then scaled
      local m = g:compile{outputs = {y = y}, batch = 2}
      local xb = ln.randn{2, 4, 3}
      local out = m:forward({x = xb}).y
      local s = 0
      for k = 1, 12 do s = s + out:flat(k) end
      assert.is_true(math.abs(s) < 1e-4)
    end)

    it("refuses an input that is no node, naming the layer", function ()
      local ok, e = pcall(function () local y = Affine(4)(ln.zeros{2, 4}); return y end)
      assert.is_false(ok)
      assert.truthy(e:find("nn_base_spec.lua:%d+: Affine: input must be a graph node"))
    end)
  end)

  describe("begin", function ()
    it("checks the input's features and blames the caller of build", function ()
      local g = ln.graph()
      local ok, e = pcall(function () local y = ln.nn.KAN(5, 2)(g:input("x", {"B", 4})); return y end)
      assert.is_false(ok)
      assert.truthy(e:find("nn_base_spec.lua:%d+: KAN%(5 %-> 2, bspline.-input has 4 features %(shape 2x4%)"))
      -- a failed build names nothing: the next layer is still kan1
      local k = ln.nn.KAN(4, 2)
      k(g:input("x2", {"B", 4}))
      assert.are.equal("kan1.coef", k.names.coef)
    end)
  end)

  describe("luanet.nn", function ()
    it("gathers every family's names, the former helpers included", function ()
      local nn = require "luanet.nn"
      for _, family in ipairs{"linear", "conv", "norm", "act", "actlearn", "kan", "container"} do
        for k, v in pairs(require("luanet.nn." .. family)) do assert.are.equal(v, nn[k], k) end
      end
      assert.are.equal(require("luanet.augment").JointLabel, nn.JointLabel)
      assert.are.equal(require("luanet.losses").soft_infonce_weights, nn.soft_infonce_weights)
      assert.are.equal(nn, ln.nn)
    end)
  end)
end)
