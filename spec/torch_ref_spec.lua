-- Against PyTorch: the same small CNN (the default CNN's layer kinds), the
-- same initial weights and batches, 3 Adam steps; losses and logits must
-- agree. Fixtures made by spec/support/make_torch_ref.py (python3-torch).
local ln = require "luanet"
local nn = ln.nn

local dir = "spec/fixtures/torch_cnn/"

describe("luanet against PyTorch", function ()
  it("trains a small CNN exactly as PyTorch does (losses and logits)", function ()
    local g = ln.graph()
    local x = g:input("x", {"B", 1, 28, 28})
    local y = g:input("y", {"B"}, "int32")
    local net = nn.Sequential(nn.Conv2d(1, 4, 5, {padding = 2}), nn.ReLU(), nn.MaxPool2d(2),
      nn.Conv2d(4, 8, 5, {padding = 2}), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
      nn.Linear(392, 32), nn.ReLU(), nn.Linear(32, 10))
    local logits = net(x)
    local m = g:compile{loss = logits:cross_entropy(y), outputs = {logits = logits}, batch = 16}
    for name in pairs(m:params()) do m:param(name):copy(ln.npy_load(dir .. name .. ".npy")) end
    local xs, ys = ln.npy_load(dir .. "x.npy"), ln.npy_load(dir .. "y.npy")
    local want = ln.npy_load(dir .. "losses.npy")
    local opt = ln.optim.adam(m, {lr = 1e-3})
    for step = 1, 3 do
      local first = 8 * ((step - 1) % 2) + 1
      local loss = m:step({x = xs:rows(first, 8), y = ys:rows(first, 8)}, opt)
      assert.is_true(math.abs(loss - want:get(step)) < 1e-5,
        string.format("step %d: loss %.7f, PyTorch %.7f", step, loss, want:get(step)))
    end
    local got = m:forward({x = xs, y = ys}, false).logits
    local ref = ln.npy_load(dir .. "logits.npy")
    local worst = 0
    for k = 1, ref:numel() do worst = math.max(worst, math.abs(got:flat(k) - ref:flat(k))) end
    assert.is_true(worst < 1e-4, "max logit difference " .. worst)
  end)
end)
