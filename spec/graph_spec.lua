-- Graphs and models: building, shape errors, compile, memory plan, runs
-- at smaller batches, feeds.
local ln = require "luanet"

local function mlp (sizes, batch)
  local g = ln.graph()
  local net = require("graphs.mlp")(g, {sizes = sizes})
  local y = g:input("y", {"B"}, "int32")
  local loss = net.output:cross_entropy(y)
  return g:compile{loss = loss, outputs = {logits = net.output}, batch = batch or 8}, g
end

describe("luanet graphs", function ()
  describe("building", function ()
    it("infers shapes as nodes are added", function ()
      local g = ln.graph()
      local x = g:input("x", {"B", 4})
      local w = g:param("w", {3, 4})
      local h = x:linear(w):relu()
      assert.are.same({2, 3}, h.shape)   -- "B" is 2 while building
      assert.truthy(tostring(h):find("relu", 1, true))
      assert.truthy(tostring(g):find("luanet.Graph (4 nodes)", 1, true))
    end)
    it("reports a shape mismatch naming the op and the shapes", function ()
      local g = ln.graph()
      local a, b = g:input("a", {2, 3}), g:input("b", {4, 3})
      assert.error_matches(function () return a + b end, "add: shapes 2x3 and 4x3 do not broadcast", nil, true)
      assert.error_matches(function () return a:matmul(b) end, "matmul", nil, true)
    end)
    it("rejects bad arguments with clear messages", function ()
      local g = ln.graph()
      assert.error_matches(function () g:input("x", {2, "C"}) end,
        "shape entry 2 must be a non-negative integer", nil, true)
      assert.error_matches(function () g:input("x", {2}, "float64") end, "invalid option 'float64'", nil, true)
      assert.error_matches(function () g:param("w", {2}, "glorious") end, "invalid option 'glorious'", nil, true)
      g:input("x", {2})
      assert.error_matches(function () g:input("x", {2}) end, "name 'x' is already used", nil, true)
      assert.error_matches(function () g:op("relu") end, "relu: expects 1 input, got 0", nil, true)
    end)
    it("initialises parameters by the chosen rule", function ()
      ln.seed(3)
      local g = ln.graph()
      local w = g:param("w", {256, 512}, "kaiming_normal")
      local _, _, mean = g:value(w):stats()
      local sq = (g:value(w) * g:value(w)):mean():get()
      assert.is_true(math.abs(mean) < 0.01)
      assert.is_true(math.abs(sq - 2 / 512) < 0.1 * 2 / 512)
      local l = g:param("l", {100, 400}, "lecun_normal")
      assert.is_true(math.abs((g:value(l) * g:value(l)):mean():get() - 1 / 400) < 0.1 / 400)
      local u = g:param("u", {100, 50}, "xavier_uniform")
      local lo, hi = g:value(u):stats()
      local bound = math.sqrt(6 / 150)
      assert.is_true(lo >= -bound and hi <= bound and hi > 0.9 * bound)
      local z = g:param("z", {3}, "zeros")
      assert.are.same({0, 0, 0}, g:value(z):totable())
    end)
  end)

  describe("compile", function ()
    it("plans memory well below the naive sum for the MLP", function ()
      local m = mlp({784, 1024, 1024, 10}, 128)
      local planned, naive = m:memory()
      assert.is_true(planned <= 0.6 * naive, string.format("planned %d naive %d", planned, naive))
      local s = tostring(m)
      assert.truthy(s:find("memory:", 1, true))
      assert.truthy(s:find("parameters: 1863690", 1, true))
    end)
    it("requires a scalar loss", function ()
      local g = ln.graph()
      local x = g:input("x", {"B", 3})
      assert.error_matches(function () g:compile{loss = x:relu()} end,
        "compile: loss must be a scalar, got shape Bx3", nil, true)
    end)
    it("turns the graph over to the model", function ()
      local m, g = mlp({4, 3}, 2)
      assert.truthy(m)
      assert.error_matches(function () g.core:size() end, "compiled into a model", nil, true)
    end)
  end)

  describe("running", function ()
    it("runs batches smaller than the compiled maximum with the same results", function ()
      ln.seed(1)
      local m = mlp({6, 5, 3}, 8)
      local x, y = ln.randn{8, 6}, ln.tensor({0, 1, 2, 0, 1, 2, 0, 1}, "int32")
      local full = m:forward({x = x, y = y}).logits:clone()
      local part = m:forward({x = x:rows(3, 2), y = y:rows(3, 2)}).logits
      assert.are.same({2, 3}, part:shape())
      for i = 1, 2 do for j = 1, 3 do
        assert.is_true(math.abs(part:get(i, j) - full:get(i + 2, j)) < 1e-6)
      end end
      local one = m:forward({x = x:rows(8, 1), y = y:rows(8, 1)}).logits
      assert.is_true(math.abs(one:get(1, 2) - full:get(8, 2)) < 1e-6)
    end)
    it("names the input on a missing or bad feed", function ()
      local m = mlp({6, 3}, 4)
      assert.error_matches(function () m:forward({x = ln.zeros{4, 6}}) end,
        "forward: input 'y' was not fed", nil, true)
      assert.error_matches(function () m:forward({x = ln.zeros{4, 5}}) end,
        "feed: input 'x' expects shape Bx6 (B <= 4), got 4x5", nil, true)
      assert.error_matches(function () m:forward({x = ln.zeros{5, 6}}) end,
        "(B <= 4), got 5x6", nil, true)
      assert.error_matches(function () m:forward({y = ln.zeros{4}}) end,
        "feed: input 'y' expects int32, got float32", nil, true)
      assert.error_matches(function () m:forward({z = ln.zeros{4}}) end,
        "feed: the model has no input named 'z'", nil, true)
      assert.error_matches(function () m:forward({x = "hello"}) end,
        "feed: input 'x' must be a tensor, got string", nil, true)
    end)
    it("prunes what no output needs: inference needs no labels", function ()
      local g = ln.graph()
      local net = require("graphs.mlp")(g, {sizes = {4, 3}})
      local y = g:input("y", {"B"}, "int32")
      local _ = net.output:cross_entropy(y)
      local m = g:compile{outputs = {logits = net.output}, batch = 2}
      local out = m:forward({x = ln.ones{2, 4}})
      assert.are.same({2, 3}, out.logits:shape())
      assert.error_matches(function () m:backward() end,
        "backward: the model was compiled without a loss", nil, true)
    end)
    it("computes gradients that match the hand-derived ones", function ()
      -- loss = mean over batch of sum(w * x): dL/dw = mean of x
      local g = ln.graph()
      local x = g:input("x", {"B", 2})
      local w = g:param("w", {2}, "ones")
      local loss = (x * w):sum():mul_scalar(0.5)
      local m = g:compile{loss = loss, batch = 2}
      m:forward({x = ln.tensor{{1, 2}, {3, 4}}}, true)
      m:backward()
      assert.are.same({2, 3}, m:grad("w"):totable())
      assert.error_matches(function () return m:grad("nope") end, "no parameter 'nope'", nil, true)
    end)
    it("accumulates the gradient of a weight shared by two layers", function ()
      -- loss = sum(x1 W^T) + sum(x2 W^T): dL/dW[o][i] = sum_r x1[r][i] + sum_r x2[r][i]
      local g = ln.graph()
      local x1, x2 = g:input("x1", {"B", 2}), g:input("x2", {"B", 2})
      local w = g:param("w", {3, 2}, "ones")
      local loss = x1:linear(w):sum() + x2:matmul(w:transpose(1, 2)):sum()
      local m = g:compile{loss = loss, batch = 2}
      for _ = 1, 2 do   -- twice: gradients are recomputed, not accumulated across calls
        m:forward({x1 = ln.tensor{{1, 2}, {3, 4}}, x2 = ln.tensor{{10, 20}, {30, 40}}}, true)
        m:backward()
        assert.are.same({{44, 66}, {44, 66}, {44, 66}}, m:grad("w"):totable())
      end
    end)
    it("refuses backward before forward, and a second backward without one", function ()
      local m = mlp({4, 2}, 2)
      assert.error_matches(function () m:backward() end, "backward: run forward first", nil, true)
      m:forward({x = ln.ones{2, 4}, y = ln.tensor({0, 1}, "int32")}, true)
      m:backward()
      assert.error_matches(function () m:backward() end, "each backward needs its own forward", nil, true)
    end)
  end)

  describe("elementwise chains", function ()
    -- x -> linear -> a chain of 9 elementwise nodes (a scale, sigmoid, mul,
    -- tanh, square, add, exp, log, relu6) -> loss; 'mid' optionally an output
    local function chain_model (fuse, train, with_mid)
      ln.seed(5)
      local g = ln.graph()
      local x = g:input("x", {"B", 300})
      local h = x:linear(g:param("w", {300, 300}, "normal", 0.05))
      local s = h:mul_scalar(1.702):sigmoid()
      local mid = (h * s):tanh()
      local out = (mid:square() + h):exp():log():relu6()
      local outs = {out = out}
      if with_mid then outs.mid = mid end
      local opt = {outputs = outs, batch = 64, fuse = fuse}
      if train then opt.loss = out:cross_entropy(g:input("y", {"B"}, "int32")) end
      return g:compile(opt)
    end
    local function feeds (b, train)
      ln.seed(9)
      local y = {}
      for i = 1, b do y[i] = i % 7 end
      return {x = ln.randn{b, 300}:mul_scalar(3), y = train and ln.tensor(y, "int32") or nil}
    end
    local function same (a, b, what)
      assert.are.same(a:shape(), b:shape())
      for i = 1, a:numel() do
        local p, q = a:flat(i), b:flat(i)
        if p ~= q and (p == p or q == q) then   -- NaN matches NaN
          error(string.format("%s: element %d is %.9g fused, %.9g alone", what, i, a:flat(i), b:flat(i)), 2)
        end
      end
    end

    it("give the same bits as the nodes run one by one, forward and backward", function ()
      for _, b in ipairs{64, 17} do   -- 17 x 300 ends in a partial block
        local f, u = chain_model(true, true), chain_model(false, true)
        local fd = feeds(b, true)
        same(f:forward(fd, true).out, u:forward(fd, true).out, "out")
        assert.are.equal(u:loss(), f:loss())
        f:backward(); u:backward()
        same(f:grad("w"), u:grad("w"), "dL/dw")
      end
    end)
    it("keep intermediates no one else reads in cache only, and say so", function ()
      local f, u = chain_model(true, false), chain_model(false, false)
      assert.are.same({1, 9, 8}, {f:chains()})
      assert.are.same({0, 0, 0}, {u:chains()})
      assert.is_true(f:memory() < u:memory())
      assert.truthy(tostring(f):find("fused: 1 elementwise chain of 9 ops, 8 values in cache only", 1, true))
      local fd = feeds(64)
      same(f:forward(fd).out, u:forward(fd).out, "out")
    end)
    it("keep an intermediate that is an output, or that backward reads", function ()
      local f, u = chain_model(true, false, true), chain_model(false, false, true)
      assert.are.same({1, 9, 7}, {f:chains()})
      local fd = feeds(40)
      local a, b = f:forward(fd), u:forward(fd)
      same(a.mid, b.mid, "mid")
      same(a.out, b.out, "out")
      -- training: sigmoid, tanh and exp read their outputs, mul its inputs
      local t = chain_model(true, true)
      local chains, nodes, elided = t:chains()
      assert.are.same({1, 9}, {chains, nodes})
      assert.is_true(elided < 8)
    end)
    it("give the same results as the nodes one by one on random graphs", function ()
      -- 4 branches x -> linear (random width) -> a random chain of unary
      -- and binary ops over earlier values; sums of some values as the
      -- loss (training) or the output (inference)
      local U = {"tanh", "sigmoid", "exp", "square", "neg", "abs", "softsign", "silu"}
      local function build (seed, fuse, train)
        local st = seed
        local function r (n) st = (st * 1103515245 + 12345) % 2147483648; return st % n + 1 end
        ln.seed(seed)
        local g = ln.graph()
        local x = g:input("x", {"B", 64})
        local total
        for k = 1, 4 do
          local width = ({16, 32, 48, 64, 96})[r(5)]
          local vals = {x:linear(g:param("w" .. k, {width, 64}, "normal", 0.2))}
          for _ = 1, 2 + r(6) do
            local a, v = vals[r(#vals)], nil
            if r(3) == 1 then v = a * vals[r(#vals)]
            elseif r(2) == 1 then v = a + vals[r(#vals)]
            else v = a[U[r(#U)]](a) end
            vals[#vals + 1] = v
          end
          local t = vals[#vals]:sum()
          if r(2) == 1 then t = t + vals[2 + r(#vals - 2)]:mean() end
          total = total and total + t or t
        end
        if train then return g:compile{loss = total, batch = 32, fuse = fuse} end
        return g:compile{outputs = {out = total}, batch = 32, fuse = fuse}
      end
      local chained = 0
      for seed = 1, 60 do
        for _, train in ipairs{false, true} do
          local f, u = build(seed, true, train), build(seed, false, train)
          chained = chained + select(2, f:chains())
          for _, b in ipairs{32, 7} do
            ln.seed(100 + seed)
            local fd = {x = ln.randn{b, 64}}
            local a = train and f:forward(fd, true).loss or f:forward(fd).out:get()
            local c = train and u:forward(fd, true).loss or u:forward(fd).out:get()
            assert(a == c or (a ~= a and c ~= c), string.format("seed %d, batch %d: %.9g fused, %.9g alone", seed, b, a, c))
            if train then
              f:backward(); u:backward()
              same(f:grad("w1"), u:grad("w1"), "dL/dw1")
            end
          end
        end
      end
      assert.is_true(chained > 300)   -- the graphs did have chains
    end)
  end)
end)
