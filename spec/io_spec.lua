-- Model files: round trip, optimizer state, corrupt and truncated files,
-- atomic saves.
local ln = require "luanet"

local function tiny ()
  ln.seed(11)
  local g = ln.graph()
  local net = require("graphs.mlp")(g, {sizes = {4, 5, 3}})
  local y = g:input("y", {"B"}, "int32")
  return g:compile{loss = net.output:cross_entropy(y), outputs = {logits = net.output}, batch = 4}
end

local function read (path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function write (path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

describe("luanet model files", function ()
  local path
  before_each(function () path = os.tmpname() end)
  after_each(function () os.remove(path); os.remove(path .. ".tmp") end)

  it("round-trips the graph, parameters and outputs", function ()
    local m = tiny()
    local x, y = ln.randn{4, 4}, ln.tensor({0, 1, 2, 0}, "int32")
    local before = m:forward({x = x, y = y}).logits:totable()
    m:save(path)
    local m2 = ln.load(path)
    local after = m2:forward({x = x, y = y}).logits:totable()
    assert.are.same(before, after)
    assert.are.same(m:param("linear1.weight"):totable(), m2:param("linear1.weight"):totable())
  end)

  it("keeps the precision: a bf16 model loads as bf16", function ()
    local m = tiny()
    m:precision("bf16")
    local x, y = ln.randn{4, 4}, ln.tensor({0, 1, 2, 0}, "int32")
    local before = m:forward({x = x, y = y}).logits:totable()
    m:save(path)
    local m2 = ln.load(path)
    assert.are.equal("bf16", m2:precision())
    assert.are.same(before, m2:forward({x = x, y = y}).logits:totable())
    m:precision("fp32")
    m:save(path)
    assert.are.equal("fp32", ln.load(path):precision())
  end)

  it("keeps the optimizer state in checkpoints", function ()
    local m = tiny()
    local opt = ln.optim.adam(m, {lr = 0.01})
    local feeds = {x = ln.randn{4, 4}, y = ln.tensor({0, 1, 2, 0}, "int32")}
    m:step(feeds, opt); m:step(feeds, opt)
    m:save(path, opt)
    local m2, opt2 = ln.load(path)
    assert.are.equal(2, opt2:steps())
    assert.are.equal(0.01, opt2:lr())
    -- the next step is identical from both
    local l1, l2 = m:step(feeds, opt), m2:step(feeds, opt2)
    assert.are.equal(l1, l2)
    assert.are.same(m:param("linear2.bias"):totable(), m2:param("linear2.bias"):totable())
  end)

  it("reads a version 2 file (the configuration by position) and its Adam state", function ()
    -- written by spec/fixtures/io/make-adam-v2.lua with the build before
    -- version 3; the loss and bias of the next step were printed then
    local m, opt = ln.load("spec/fixtures/io/adam-v2.lnt")
    assert.are.equal("adam", opt.core:kind())
    assert.are.equal(2, opt:steps())
    assert.are.equal(0.01, opt:get("lr")); assert.are.equal(1e-7, opt:get("eps"))
    assert.are.equal(0.001, opt:get("weight_decay"))
    assert.are.equal(0.8, opt:get("beta1")); assert.are.equal(0.99, opt:get("beta2"))
    local feeds = {x = ln.tensor({{1, 0, -1, 0.5}, {0.25, 2, 0, -0.5}, {0, 0, 1, 1}, {-1, 1, 0.5, 0}}),
                   y = ln.tensor({0, 1, 2, 0}, "int32")}
    assert.are.equal(0x1.fdfa5ap-1, m:step(feeds, opt))
    assert.are.same({0x1.487b68p-3, 0x1.b610bp-3, -0x1.ea3ee2p-6}, m:param("linear2.bias"):totable())
  end)

  it("restores a checkpoint into a model and optimizer, and keeps the caller's bytes", function ()
    local m = tiny()
    local opt = ln.optim.adam(m, {lr = 0.01, eps = 1e-6})
    local feeds = {x = ln.randn{4, 4}, y = ln.tensor({0, 1, 2, 0}, "int32")}
    m:step(feeds, opt); m:step(feeds, opt)
    m.core:save(path, opt.core, "where\0the loop was")
    local m2 = tiny()
    local opt2 = ln.optim.adam(m2, {lr = 0.5})
    assert.are.equal("where\0the loop was", m2.core:restore(path, opt2.core))
    assert.are.equal(2, opt2:steps()); assert.are.equal(0.01, opt2:lr()); assert.are.equal(1e-6, opt2:get("eps"))
    assert.are.equal(m:step(feeds, opt), m2:step(feeds, opt2))
    assert.are.same(m:param("linear1.weight"):totable(), m2:param("linear1.weight"):totable())
    m:save(path)   -- no optimizer, no bytes
    assert.is_nil(m2.core:restore(path))
    assert.error_matches(function () m2.core:restore(path, opt2.core) end, "holds no optimizer state", nil, true)
    assert.error_matches(function () m2.core:restore(path, ln.optim.sgd(m2).core) end,
      "holds no optimizer state", nil, true)
  end)

  it("fails clearly on a truncated file", function ()
    tiny():save(path)
    local s = read(path)
    write(path, s:sub(1, #s // 2))
    assert.error_matches(function () ln.load(path) end, "checksum mismatch (file truncated or corrupted)", nil, true)
  end)

  it("fails clearly on a corrupted byte", function ()
    tiny():save(path)
    local s = read(path)
    local k = #s // 2
    write(path, s:sub(1, k - 1) .. string.char((s:byte(k) + 1) % 256) .. s:sub(k + 1))
    assert.error_matches(function () ln.load(path) end, "checksum mismatch", nil, true)
  end)

  it("fails clearly on a file that is not a model and on a missing file", function ()
    write(path, "just some text, long enough")
    assert.error_matches(function () ln.load(path) end, "not a luanet model file", nil, true)
    assert.error_matches(function () ln.load("/nonexistent/m.lnt") end,
      "load: /nonexistent/m.lnt: No such file or directory", nil, true)
  end)

  it("leaves the previous file intact when a save fails", function ()
    local m = tiny()
    m:save(path)
    local good = read(path)
    os.execute("mkdir -p '" .. path .. ".tmp'")     -- the temp file cannot be created
    m:param("linear1.bias"):fill(42)
    assert.error_matches(function () m:save(path) end, "save: " .. path .. ".tmp", nil, true)
    assert.are.equal(good, read(path))
    os.execute("rmdir '" .. path .. ".tmp'")
  end)
end)
