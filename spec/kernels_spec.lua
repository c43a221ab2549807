-- Kernels from Lua: precision = "bf16", the kernel each product uses, the
-- fused bias + relu, one thread pool for the engine, OpenBLAS and oneDNN,
-- and what ln.config() / luanet -v report.
local ln = require "luanet"

local run = require("spec.support.papers").run   -- output (stdout and stderr)

-- the MLP 64-128-10 on fixed data; 'extra' outputs keep nodes unfused
local function mlp (precision, keep_hidden)
  ln.seed(7)
  local g = ln.graph()
  local x = g:input("x", {"B", 64})
  local y = g:input("y", {"B"}, "int32")
  local h = ln.nn.Linear(64, 128)(x)
  local r = h:relu()
  local logits = ln.nn.Linear(128, 10)(r)
  local outputs = {logits = logits}
  if keep_hidden then outputs.hidden = h end
  return g:compile{loss = logits:cross_entropy(y), outputs = outputs, batch = 32,
                   precision = precision}
end

local function data ()
  local x = ln.zeros{32, 64}
  local y = ln.zeros({32}, "int32")
  for i = 1, 32 do
    y:set((i * 7) % 10, i)
    for j = 1, 64 do
      x:set(0.5 * math.sin(i * 0.37 + j * 0.11) + ((j - 1) % 10 == (i * 7) % 10 and 1 or 0), i, j)
    end
  end
  return {x = x, y = y}
end

local function max_rel (a, b)
  local d, m = 0, 0
  for i = 1, a:numel() do
    d = math.max(d, math.abs(a:flat(i) - b:flat(i)))
    m = math.max(m, math.abs(b:flat(i)))
  end
  return d / math.max(m, 1e-30)
end

describe("luanet kernels", function ()
  it("compiles in bf16 and reports its precision", function ()
    local m = mlp("bf16")
    assert.are.equal("bf16", m:precision())
    assert.are.equal("fp32", mlp():precision())
    assert.are.equal("fp32", m:precision("fp32"))
    assert.error_matches(function () mlp("fp16") end,
      "compile: precision must be 'fp32' or 'bf16', got 'fp16'", nil, true)
    assert.error_matches(function () m:precision("int8") end, "invalid option 'int8'", nil, true)
  end)

  it("bf16 logits agree with fp32 within bf16's tolerance, and differ", function ()
    local f = data()
    local a = mlp("fp32"):forward(f, false).logits
    local b = mlp("bf16"):forward(f, false).logits
    local e = max_rel(b, a)
    assert.is_true(e < 1e-2, "relative difference " .. e)
    assert.is_true(e > 0, "bf16 rounds the products' inputs")
  end)

  it("bf16 training follows fp32 training", function ()
    local f = data()
    local losses = {}
    for _, p in ipairs{"fp32", "bf16"} do
      local m = mlp(p)
      local opt = ln.optim.adam(m, {lr = 1e-2})
      local l
      for _ = 1, 30 do l = m:step(f, opt) end
      losses[p] = l
    end
    assert.is_true(losses.fp32 < 0.5, "fp32 learns: " .. losses.fp32)
    assert.is_true(math.abs(losses.bf16 - losses.fp32) < 0.05 + 0.1 * losses.fp32,
      string.format("fp32 %.4f, bf16 %.4f", losses.fp32, losses.bf16))
  end)

  it("bf16 weight copies follow every change to the weights", function ()
    local f = data()
    -- a fresh bf16 model given A's weights before its first run: what A
    -- must compute after each change (it converts each weight once)
    local function fresh (a)
      local b = mlp("bf16")
      local pb = b:params()
      for name, t in pairs(a:params()) do pb[name]:copy(t) end
      return b:forward(f, false).logits
    end
    local a = mlp("bf16")
    local w = {}   -- the two weight matrices (the biases stay float32)
    for name, t in pairs(a:params()) do
      if t:dim() == 2 then w[#w + 1] = name end
    end
    table.sort(w)
    assert.are.equal(2, #w)
    local last = a:forward(f, false).logits:clone()
    local changes = {
      function (p) p[w[1]]:copy(ln.rand(p[w[1]]:shape())) end,
      function (p) p[w[2]]:set(3, 1, 1) end,
      function (p) p[w[1]]:flat(5, -2) end,
      function (p) p[w[2]]:fill(0.01) end,
      function () a:step(f, ln.optim.adam(a, {lr = 1e-2})) end,
    }
    for k, change in ipairs(changes) do
      change(a:params())
      local y = a:forward(f, false).logits
      assert.are.equal(0, max_rel(y, fresh(a)), "change " .. k)
      assert.is_true(max_rel(y, last) > 0, "change " .. k .. " shows")
      last = y:clone()
      -- unchanged weights: the copies serve again, the same logits
      assert.are.equal(0, max_rel(a:forward(f, false).logits, last), "again " .. k)
    end
    -- the same where oneDNN has no bf16 kernels (copies rounded to bf16,
    -- kept as float32)
    local out = run("ONEDNN_MAX_CPU_ISA=AVX2 ./luanet -e '" .. [[
      local function model ()
        ln.seed(3)
        local g = ln.graph()
        local x = g:input("x", {"B", 8})
        return g:compile{outputs = {y = ln.nn.Linear(8, 4)(x)}, batch = 2, precision = "bf16"}
      end
      local f = {x = ln.rand{2, 8}}
      local a = model()
      local y0 = a:forward(f, false).y:clone()
      for _, t in pairs(a:params()) do if t:dim() == 2 then t:fill(0.25) end end
      local y1 = a:forward(f, false).y:clone()
      local b = model()
      for name, t in pairs(b:params()) do t:copy(a:params()[name]) end
      local y2 = b:forward(f, false).y
      local same, moved = true, false
      for i = 1, 8 do
        same = same and y1:flat(i) == y2:flat(i)
        moved = moved or y1:flat(i) ~= y0:flat(i)
      end
      for id = 1, a.core:size() do
        if a.core:node(id).op == "linear" then print(a.core:kernel(id)) end
      end
      print("same " .. tostring(same) .. ", moved " .. tostring(moved))]] .. "'")
    assert.truthy(out:find("float32 products", 1, true), out)
    assert.truthy(out:find("same true, moved true", 1, true), out)
  end)

  it("names the kernel of each product", function ()
    local m = mlp("fp32")
    local seen = 0
    for id = 1, m.core:size() do
      local k, op = m.core:kernel(id), m.core:node(id).op
      if op == "linear" then
        seen = seen + 1
        assert.truthy(k:find("^oneDNN") or k:find("^OpenBLAS"), k)
      else
        assert.are.equal("", k)
      end
    end
    assert.are.equal(2, seen)
    m:precision("bf16")
    for id = 1, m.core:size() do
      if m.core:node(id).op == "linear" then
        assert.truthy(m.core:kernel(id):find("bf16"), m.core:kernel(id))
      end
    end
  end)

  it("fuses bias + relu into the product with the same result", function ()
    local f = data()
    for _, p in ipairs{"fp32", "bf16"} do
      local fused = mlp(p):forward(f, false).logits
      local plain = mlp(p, true):forward(f, false).logits   -- hidden kept: no fusion
      assert.are.equal(0, max_rel(fused, plain), p)
    end
    -- and the gradients (one step each from the same start)
    local a, b = mlp("fp32"), mlp("fp32", true)
    local oa, ob = ln.optim.sgd(a, {lr = 0.1}), ln.optim.sgd(b, {lr = 0.1})
    a:step(f, oa); b:step(f, ob)
    assert.are.equal(0, max_rel(a:forward(f, false).logits, b:forward(f, false).logits))
  end)

  it("runs eager products on the same kernels as a model", function ()
    local x, w = ln.rand{64, 100}, ln.rand{100, 70}
    local g = ln.graph()
    local xn, wn = g:input("x", {"B", 100}), g:input("w", {100, 70})
    local m = g:compile{outputs = {y = xn:matmul(wn)}, batch = 64}
    local y = m:forward({x = x, w = w}, false).y
    assert.are.equal(0, max_rel(x:matmul(w), y))
  end)

  it("keeps one thread pool for the engine, OpenBLAS and oneDNN", function ()
    for _, n in ipairs{1, 2, 3} do
      local out = run("./luanet -e '" .. [[
        ln.threads(]] .. n .. [[)
        for _, p in ipairs{"fp32", "bf16"} do
          for _, name in ipairs{"mlp", "cnn"} do
            local g = ln.graph()
            local net = require("graphs." .. name)(g, {})
            local y = g:input("y", {"B"}, "int32")
            local m = g:compile{loss = net.output:cross_entropy(y), batch = 16, precision = p}
            local x = name == "mlp" and ln.rand{16, 784} or ln.rand{16, 1, 28, 28}
            m:step({x = x, y = ln.zeros({16}, "int32")}, ln.optim.adam(m))
          end
        end
        local f = io.open("/proc/self/status"); local s = f:read("a"); f:close()
        print("threads " .. s:match("Threads:%s*(%d+)"))]] .. "'")
      assert.truthy(out:find("threads " .. n .. "\n", 1, true), out)
    end
  end)

  it("reports each library's instruction set", function ()
    local s = ln.config()
    assert.truthy(s:find("BLAS: OpenBLAS core %S+, ISA "), s)
    assert.truthy(s:find("oneDNN %d+%.%d+%.%d+: ISA "), s)
    assert.truthy(s:find("bf16 conversion: "), s)
    local v = run("./luanet -v")
    assert.truthy(v:find("oneDNN", 1, true) and v:find("ISA", 1, true), v)
    local capped = run("ONEDNN_MAX_CPU_ISA=AVX2 ./luanet -v")
    assert.truthy(capped:find("ISA AVX2 (avx2)", 1, true), capped)
    assert.truthy(capped:find("bf16 conversion: portable C", 1, true), capped)
  end)
end)
