-- The op table: every op has a gradient check through the whole engine
-- (graph, plan, backward), plus value checks derived by hand. The cases
-- live in spec/cases/<family>.lua, one file per op family.
local ln = require "luanet"
local check = require "spec.support.gradcheck"

local cases = {}
do
  local ls = assert(io.popen("ls spec/cases/*.lua"))
  for path in ls:lines() do
    for _, c in ipairs(dofile(path)) do
      c.file = path
      cases[#cases + 1] = c
    end
  end
  ls:close()
end

describe("luanet ops", function ()
  it("has a gradient case for every op in the table", function ()
    local seen = {}
    for _, c in ipairs(cases) do seen[c.op] = true end
    for _, name in ipairs(ln.ops()) do
      assert.is_true(seen[name] == true, "no gradient case for op '" .. name .. "'")
    end
  end)

  it("docs/ops.md (make docs) documents every op in the table", function ()
    local f = assert(io.open("docs/ops.md"))
    local doc = f:read("a")
    f:close()
    for _, name in ipairs(ln.ops()) do
      assert.is_truthy(doc:find("| `" .. name .. "` |", 1, true), "docs/ops.md lacks '" .. name .. "' (run make docs)")
    end
  end)

  for _, c in ipairs(cases) do
    it(c.op .. " backward matches central differences", function ()
      if c.lo then for _, i in ipairs(c.inputs) do i.lo, i.hi = c.lo, c.hi end end
      local ok = false
      for _, name in ipairs(ln.ops()) do ok = ok or name == c.op end
      assert.is_true(ok, "op '" .. c.op .. "' is not in the table")
      local err = check(c)
      assert.is_true(err < 1e-2, string.format("%s: max relative error %.3g", c.op, err))
    end)
  end

  describe("values", function ()
    local function near (t, want, tol)
      local got = t:totable()
      local function cmp (a, b)
        if type(b) == "table" then
          assert.are.equal(#b, #a)
          for i = 1, #b do cmp(a[i], b[i]) end
        else
          assert.is_true(math.abs(a - b) <= (tol or 1e-5) * math.max(1, math.abs(b)),
                         string.format("got %.7g, want %.7g", a, b))
        end
      end
      cmp(got, want)
    end

    it("softmax([0, ln 3]) = [0.25, 0.75]", function ()
      near(ln.tensor{{0, math.log(3)}}:softmax(), {{0.25, 0.75}})
    end)
    it("softmax and log_softmax stay finite and exact at logits of +-1e4", function ()
      local t = ln.tensor{{1e4, -1e4, 0}}
      near(t:softmax(), {{1, 0, 0}})
      near(t:log_softmax(), {{0, -2e4, -1e4}})
    end)
    it("cross_entropy at logits of +-1e4: 0 for the right class, 2e4 for the wrong one", function ()
      local logits = ln.tensor{{1e4, -1e4}, {1e4, -1e4}}
      near(logits:cross_entropy(ln.tensor({0, 1}, "int32"), {reduction = "none"}), {0, 2e4})
      near(logits:cross_entropy(ln.tensor({0, 1}, "int32")), 1e4)
    end)
    it("cross_entropy with label smoothing matches the hand value", function ()
      -- logits [0, 0]: logp = -ln 2 for both; loss = ln 2 whatever the smoothing
      near(ln.tensor{{0, 0}}:cross_entropy(ln.tensor({1}, "int32"), {label_smoothing = 0.2}), math.log(2))
      -- logits [ln 3, 0]: p = [.75, .25]; label 0, eps 0.5: 0.75*(-ln .75) + 0.25*(-ln .25)
      local want = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
      near(ln.tensor{{math.log(3), 0}}:cross_entropy(ln.tensor({0}, "int32"), {label_smoothing = 0.5}), want)
    end)
    it("sum, mean, max and var over a dimension", function ()
      local t = ln.tensor{{1, 2, 3}, {4, 5, 6}}
      near(t:sum(2), {6, 15})
      near(t:mean(1), {2.5, 3.5, 4.5})
      near(t:max(2), {3, 6})
      near(ln.tensor{1, 2, 3, 4}:var(), 5 / 3)
    end)
    it("matmul and linear", function ()
      local a, b = ln.tensor{{1, 2}, {3, 4}}, ln.tensor{{5, 6}, {7, 8}}
      near(a:matmul(b), {{19, 22}, {43, 50}})
      near(a:linear(b, ln.tensor{1, -1}), {{18, 22}, {40, 52}})
    end)
    it("transpose, permute, slice and concat move the right elements", function ()
      local t = ln.tensor{{1, 2, 3}, {4, 5, 6}}
      near(t:transpose(1, 2), {{1, 4}, {2, 5}, {3, 6}})
      near(t:permute{2, 1}, {{1, 4}, {2, 5}, {3, 6}})
      near(t:slice(2, 2, 3), {{2, 3}, {5, 6}})
      near(ln.concat({t, t}, 1), {{1, 2, 3}, {4, 5, 6}, {1, 2, 3}, {4, 5, 6}})
    end)
    it("mse of [1, 2] and [3, 5] is (4 + 9) / 2", function ()
      near(ln.tensor{1, 2}:mse(ln.tensor{3, 5}), 6.5)
    end)
    it("max_pool2d and avg_pool2d of a 4x4 ramp", function ()
      local x = ln.arange(0.0, 15):clone{1, 1, 4, 4}
      near(x:max_pool2d(2), {{{{5, 7}, {13, 15}}}})
      near(x:avg_pool2d(2), {{{{2.5, 4.5}, {10.5, 12.5}}}})
    end)
    it("conv2d of a 3x3 image with a 2x2 kernel by hand", function ()
      local x = ln.tensor{{{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}}}
      local w = ln.tensor{{{{1, 0}, {0, -1}}}}
      near(x:conv2d(w), {{{{-4, -4}, {-4, -4}}}})
    end)
    it("batch_norm normalises [1, 2, 3] to [-1.2247, 0, 1.2247] in training", function ()
      local x = ln.tensor{{1}, {2}, {3}}
      local y = x:batch_norm(ln.ones{1}, ln.zeros{1}, ln.zeros{1}, ln.ones{1}, {training = true})
      near(y, {{-1.2247357}, {0}, {1.2247357}}, 1e-4)
    end)
    it("dropout is the identity at eval and scales kept values by 1/(1-p) in training", function ()
      local x = ln.ones{1000}
      near(x:dropout(0.5), x:totable())
      local y = x:dropout(0.5, {training = true})
      local kept = 0
      for k = 1, 1000 do
        local v = y:flat(k)
        assert.is_true(v == 0 or math.abs(v - 2) < 1e-6)
        if v ~= 0 then kept = kept + 1 end
      end
      assert.is_true(kept > 400 and kept < 600)
    end)
    it("embedding gathers rows", function ()
      local w = ln.tensor{{1, 2}, {3, 4}, {5, 6}}
      near(ln.tensor({2, 0}, "int32"):embedding(w), {{5, 6}, {1, 2}})
    end)
  end)

  describe("errors", function ()
    it("names the op and the shapes on a mismatch", function ()
      assert.error_matches(function () return ln.zeros{2, 3} + ln.zeros{4} end,
        "add: shapes 2x3 and 4 do not broadcast", nil, true)
      assert.error_matches(function () return ln.zeros{2, 3}:matmul(ln.zeros{2, 3}) end,
        "matmul", nil, true)
    end)
    it("rejects an unknown op and an unknown attribute", function ()
      assert.error_matches(function () ln.graph():op("conv9d") end, "unknown op 'conv9d'", nil, true)
      assert.error_matches(function () return ln.zeros{2, 3}:softmax{axs = 1} end,
        "softmax: unknown attribute 'axs'", nil, true)
    end)
    it("checks labels and ids before running", function ()
      assert.error_matches(function ()
        return ln.zeros{2, 3}:cross_entropy(ln.tensor({0, 3}, "int32"))
      end, "cross_entropy: label 3 out of range [0, 3)", nil, true)
      assert.error_matches(function ()
        return ln.tensor({5}, "int32"):embedding(ln.zeros{3, 2})
      end, "embedding: id 5 out of range [0, 3)", nil, true)
    end)
  end)
end)
