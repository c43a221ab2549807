-- luanet.nn: layers build nodes with the right shapes, names and inits.
local ln = require "luanet"
local nn = ln.nn

describe("luanet.nn", function ()
  it("prints layers like Torch", function ()
    assert.are.equal("Linear(784 -> 512)", tostring(nn.Linear(784, 512)))
    assert.are.equal("Conv2d(1 -> 32, 5x5, padding 2)", tostring(nn.Conv2d(1, 32, 5, {padding = 2})))
    assert.are.equal("BatchNorm(16)", tostring(nn.BatchNorm(16)))
    assert.are.equal("BatchNorm(16, ghost 4)", tostring(nn.BatchNorm(16, {ghost = 4})))
    assert.error_matches(function () nn.BatchNorm(16, {ghost = 2.5}) end,
      "BatchNorm: ghost must be an integer >= 0 (0: the whole batch), got 2.5", nil, true)
    assert.are.equal("Dropout(p=0.25)", tostring(nn.Dropout(0.25)))
    local s = tostring(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)))
    assert.truthy(s:find("(1) Linear(4 -> 3)", 1, true))
    assert.truthy(s:find("(3) Linear(3 -> 2)", 1, true))
  end)

  it("Conv2d takes a kernel, stride, padding and dilation pair, as PyTorch", function ()
    local c = nn.Conv2d(2, 4, {3, 1}, {stride = {2, 1}, padding = {1, 0}})
    assert.are.equal("Conv2d(2 -> 4, 3x1, stride 2x1, padding 1x0)", tostring(c))
    local g = ln.graph()
    local y = c(g:input("x", {"B", 2, 9, 5}))
    -- H: (9 + 2 - 3) / 2 + 1 = 5; W: (5 + 0 - 1) / 1 + 1 = 5
    assert.are.same({2, 4, 5, 5}, y.shape)
    local m = g:compile{outputs = {y = y}, batch = 2}
    assert.are.same({4, 2, 3, 1}, m:param("conv1.weight"):shape())
    -- bias U(-b, b), b = 1/sqrt(fan_in), fan_in = 2 * 3 * 1
    local b = m:param("conv1.bias")
    for k = 1, 4 do assert.is_true(math.abs(b:flat(k)) <= 1 / math.sqrt(6)) end
    assert.error_matches(function () nn.Conv2d(2, 4, {3, 0}) end,
      "Conv2d: kernel[2] must be a positive integer, got 0", nil, true)
    assert.error_matches(function () nn.Conv2d(2, 4, {3, 1, 2}) end,
      "Conv2d: kernel must be a number or a pair {h, w}", nil, true)
  end)

  it("builds a Sequential on a graph and trains it", function ()
    ln.seed(9)
    local g = ln.graph()
    local x = g:input("x", {"B", 1, 8, 8})
    local y = g:input("y", {"B"}, "int32")
    local net = nn.Sequential(nn.Conv2d(1, 4, 3, {padding = 1}), nn.BatchNorm(4), nn.ReLU(),
      nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.1), nn.Linear(64, 3))
    local logits = net(x)
    assert.are.same({2, 3}, logits.shape)
    local m = g:compile{loss = logits:cross_entropy(y), outputs = {logits = logits}, batch = 6}
    assert.truthy(m:param("conv1.weight"))
    assert.are.same({4}, m:param("bn1.weight"):shape())
    local opt = ln.optim.adam(m, {lr = 0.01})
    local xb = ln.randn{6, 1, 8, 8}
    local yb = ln.tensor({0, 1, 2, 0, 1, 2}, "int32")
    local first = m:step({x = xb, y = yb}, opt)
    local last
    for _ = 1, 60 do last = m:step({x = xb, y = yb}, opt) end
    assert.is_true(last < 0.5 * first, string.format("loss %g -> %g", first, last))
  end)

  it("initialises Linear like PyTorch: U(-1/sqrt(fan_in), 1/sqrt(fan_in))", function ()
    ln.seed(1)
    local g = ln.graph()
    local l = nn.Linear(100, 50)
    l(g:input("x", {"B", 100}))
    local lo, hi = g:value(l.weight):stats()
    assert.is_true(lo >= -0.1 and hi <= 0.1 and hi > 0.09)
  end)

  it("checks its arguments", function ()
    assert.error_matches(function () nn.Linear(0, 3) end, "Linear: n_in must be a positive integer, got 0", nil, true)
    assert.error_matches(function () nn.Dropout(1) end, "Dropout: p must be in [0, 1), got 1", nil, true)
    local g = ln.graph()
    assert.error_matches(function () nn.Linear(5, 2)(g:input("x", {"B", 4})) end,
      "Linear(5 -> 2): input has 4 features (shape 2x4)", nil, true)
    assert.error_matches(function () nn.Linear(5, 2)(ln.zeros{2, 5}) end,
      "Linear: input must be a graph node", nil, true)
  end)
end)
